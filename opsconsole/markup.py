"""Markup written by Python where a template would cost more than the page's own work (a list's
rows, the sidebar, the theme's colours, the search page's rows), escaping each value as Django's
templates do."""

import html


def escaped(value) -> str:
    """`conditional_escape(value)` as a plain string: what is already markup stays as it is.
    Faster than `conditional_escape` and `format_html`, which wrap every value they escape."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))
