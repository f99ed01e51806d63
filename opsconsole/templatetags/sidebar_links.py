"""`{% sidebar_links sidebar_navigation %}`: the sidebar's groups of links, written as unfold's
`unfold/helpers/app_list.html` writes them, word for word, by Python instead of by template.

Every page draws some thirty links; through the template each costs a dozen nodes (about 2 ms a
page), here a few string joins. The markup is unfold's, so its styles and scripts apply unchanged;
tests/opsconsole/test_sidebar.py renders unfold's own template beside this and compares them.
A badge, which the console's links do not use, is written by unfold's own badge template.
"""

from django.template import Library
from django.template.loader import render_to_string
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe

register = Library()

GROUP_TITLE_CLASSES = ("font-semibold flex flex-row group items-center mb-1 mx-3 py-1.5 px-3 select-none "
                       "text-font-important-light text-sm dark:text-font-important-dark")
COLLAPSIBLE_TITLE_CLASSES = "cursor-pointer hover:text-primary-600 dark:hover:text-primary-500"
LINK_CLASSES = ("flex h-[38px] items-center -mx-3 px-3 rounded-default hover:text-primary-600 "
                "dark:hover:text-primary-500")
ACTIVE_LINK_CLASSES = "bg-base-100 font-semibold text-primary-600 dark:bg-white/[.06] dark:text-primary-500 active"
CHEVRON = ('<span class="material-symbols-outlined ml-auto transition-transform group-hover:text-primary-600 '
           'dark:group-hover:text-primary-500" x-bind:class="{\'rotate-90\': navigationOpen}">chevron_right</span>')


@register.simple_tag(takes_context=True)
def sidebar_links(context, navigation) -> SafeString:
    """The `<div id="nav-sidebar-apps">` of unfold's sidebar for `navigation` (unfold's
    `sidebar_navigation` context: groups of items with `has_permission` and `active` worked out)."""
    groups = "".join(_group(group, context) for group in navigation if group.get("items"))
    return mark_safe(f'<div id="nav-sidebar-apps" class="h-0 grow overflow-auto" data-simplebar>{groups}</div>')


def _group(group: dict, context) -> str:
    collapsible = bool(group.get("collapsible"))
    if collapsible:
        is_open = "true" if any(item.get("active") for item in group["items"]) else "false"
        opening = f' x-data="{{navigationOpen: {is_open}}}"'
    else:
        opening = ""
    parts = [f'<div class="hidden mb-1.5 has-[ol]:has-[li]:block"{opening}>']
    if group.get("separator"):
        parts.append('<hr class="border-t border-base-200 mx-6 my-2 dark:border-base-800" />')
    if group.get("title"):
        title_classes = f"{GROUP_TITLE_CLASSES} {COLLAPSIBLE_TITLE_CLASSES}" if collapsible else GROUP_TITLE_CLASSES
        toggle = ' x-on:click="navigationOpen = !navigationOpen"' if collapsible else ""
        parts.append(f'<h2 class="{title_classes}"{toggle}>{conditional_escape(group["title"])}'
                     f'{_badge(group, context)}{CHEVRON if collapsible else ""}</h2>')
    shown = ' x-show="navigationOpen"' if collapsible else ""
    parts.append(f'<ol class="flex flex-col gap-0.5 px-6"{shown}>')
    parts.extend(_link(item, context) for item in group["items"] if item.get("has_permission"))
    parts.append("</ol></div>")
    return "".join(parts)


def _link(item: dict, context) -> str:
    classes = f"{LINK_CLASSES} {ACTIVE_LINK_CLASSES}" if item.get("active") else LINK_CLASSES
    icon = format_html('<span class="material-symbols-outlined md-18 mr-3 w-[18px]">{}</span>',
                       item["icon"]) if item.get("icon") else ""
    # unfold writes the title unescaped (`|safe`): a link's title may carry markup.
    return format_html('<li><a href="{}" class="{}">{}<span>{}</span>{}</a></li>',
                       item.get("link_callback") or item.get("link"), classes, icon, mark_safe(item["title"]),
                       _badge(item, context))


def _badge(item: dict, context) -> str:
    if not item.get("badge"):
        return ""
    return render_to_string("unfold/helpers/app_list_badge.html", {"item": item}, request=context.get("request"))
