"""The sidebar's links, rendered once for each way they can look and reused for a minute.

Unfold renders the sidebar's links (opsconsole/navigation.py) on every page: some forty template
includes, several milliseconds. What they show depends only on which links the person may open,
which one is the page being shown, the URL prefix and the language (ConsoleAdminSite.
sidebar_state), so the rendered HTML is kept in this process's memory under those answers. A
person without a permission gets an entry of their own, never one rendered for someone with it.

Entries live SIDEBAR_CACHE_SECONDS. Nothing the links show changes in that time today; the
lifetime bounds how stale a badge's number would be, were one added to a link
(docs/decisions.md, "The sidebar").
"""

from django.contrib import admin
from django.template import Context

from opsconsole.process_memo import ProcessMemo

SIDEBAR_CACHE_SECONDS = 60
# About as many as there are roles times links; the least recently made go first beyond it.
SIDEBAR_CACHE_ENTRIES = 512
# Unfold's own choice between its links and Django's app list, rendered on a miss.
SIDEBAR_LINKS_TEMPLATE = "opsconsole/sidebar_links.html"

rendered_sidebars = ProcessMemo(seconds=SIDEBAR_CACHE_SECONDS, entries=SIDEBAR_CACHE_ENTRIES)


def sidebar_links(context: Context) -> str:
    """The sidebar's links for the page `context` renders: kept from a page in the same state,
    or rendered now (and kept). Pages for people who may not use the console are never kept."""
    state = admin.site.sidebar_state(context["request"]) if context.get("has_permission") else None
    html = rendered_sidebars.get(state) if state is not None else None
    if html is None:
        html = context.template.engine.get_template(SIDEBAR_LINKS_TEMPLATE).render(context)
        if state is not None:
            rendered_sidebars.put(state, html)
    return html
