"""The rows of the search page's result tables, built as strings.

The page lists up to ten matches of each of several kinds; drawn by a template loop, with a
condition in every cell, the rows cost more than the search that found them. These are the same rows: a link to the
record, what tells it apart from its neighbours, and the key it was found by, with a rule above
every row but the first.
"""

from django.template import Library
from django.utils.safestring import SafeString, mark_safe

from opsconsole.markup import escaped

register = Library()

RULE_ABOVE = " border-t border-base-200 dark:border-base-800"


@register.simple_tag
def search_match_rows(matches) -> SafeString:
    """One `<tr>` per `SearchMatch` (search/finding.py), in their order."""
    return mark_safe("".join(_row(match, RULE_ABOVE if index else "") for index, match in enumerate(matches)))


def _row(match, rule: str) -> str:
    return (
        '<tr class="search-match">'
        f'<td class="px-3 py-2 align-middle{rule}">'
        f'<a href="{escaped(match.url)}" class="font-medium text-primary-600 dark:text-primary-500">'
        f"{escaped(match.label)}</a></td>"
        f'<td class="px-3 py-2 align-middle{rule}">{escaped(match.detail)}</td>'
        '<td class="px-3 py-2 align-middle text-font-subtle-light dark:text-font-subtle-dark whitespace-nowrap'
        f'{rule}">by {escaped(match.matched_by)}</td>'
        "</tr>"
    )
