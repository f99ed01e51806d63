"""`{% sidebar_links %}`: the sidebar's links, from the cache of rendered sidebars
(opsconsole/sidebar_cache.py)."""

from django.template import Library

from opsconsole.sidebar_cache import sidebar_links as cached_sidebar_links

register = Library()


@register.simple_tag(takes_context=True)
def sidebar_links(context) -> str:
    return cached_sidebar_links(context)
