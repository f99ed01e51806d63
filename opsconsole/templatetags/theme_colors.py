"""The theme's colours as CSS custom properties, written by Python instead of by the loop of
unfold's `unfold/layouts/skeleton.html`, declaration for declaration.

Every page writes them: some thirty declarations, each three variables and a nested loop's step
through the template engine (about 8 % of an empty signed-in page's work), here one string join.
tests/opsconsole/test_theme_colors.py renders unfold's own block beside this tag and compares them.
"""

from django.template import Library
from django.utils.safestring import SafeString, mark_safe

from opsconsole.markup import escaped

register = Library()


@register.simple_tag(takes_context=True)
def theme_colors(context) -> SafeString:
    """unfold's `<style id="unfold-theme-colors">` for the context's `colors` (unfold's
    `{name: {weight: value}}`) and `border_radius`; nothing when there are no colours."""
    colors = context.get("colors")
    if not colors:
        return mark_safe("")
    declarations = []
    if border_radius := context.get("border_radius"):
        declarations.append(f"--border-radius: {escaped(border_radius)};")
    declarations.extend(f"--color-{escaped(name)}-{escaped(weight)}: {escaped(value)};"
                        for name, weights in colors.items() for weight, value in weights.items())
    return mark_safe(f'<style id="unfold-theme-colors">:root {{ {" ".join(declarations)} }}</style>')
