"""The rows of the search page's result tables, built as strings.

The page lists up to ten matches of each of several kinds; drawn by a template loop, with a
condition in every cell, the rows cost more than the search that found them. These are the same rows: a link to the
record, what tells it apart from its neighbours, and the key it was found by, with a rule above
every row but the first.
"""

from django.template import Library
from django.utils.html import format_html_join

register = Library()

RULE_ABOVE = " border-t border-base-200 dark:border-base-800"
ROW = (
    '<tr class="search-match">'
    '<td class="px-3 py-2 align-middle{rule}">'
    '<a href="{url}" class="font-medium text-primary-600 dark:text-primary-500">{label}</a></td>'
    '<td class="px-3 py-2 align-middle{rule}">{detail}</td>'
    '<td class="px-3 py-2 align-middle text-font-subtle-light dark:text-font-subtle-dark whitespace-nowrap{rule}">'
    "by {matched_by}</td>"
    "</tr>"
)


@register.simple_tag
def search_match_rows(matches) -> str:
    """One `<tr>` per `SearchMatch` (search/finding.py), in their order."""
    return format_html_join("", ROW, (
        {"rule": RULE_ABOVE if index else "", "url": match.url, "label": match.label, "detail": match.detail,
         "matched_by": match.matched_by}
        for index, match in enumerate(matches)
    ))
