"""The search page (`/search/?q=…`) and the command palette's results (Ctrl+K), both from
`console_search`.

`/search/` is also the URL unfold's command palette and sidebar filter ask for their results
(`admin:search`, with the parameter `s`): this view stands in front of unfold's and hands those
requests on, adding the console's own matches through `command_search_results`.
"""

from dataclasses import dataclass
from itertools import groupby
from urllib.parse import urlencode

from django.contrib import admin
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from unfold.dataclasses import SearchResult as CommandResult

from search.finding import SearchMatch, console_search, search_query_problem, searchable_keys
from search.registry import SearchKind

# What the page lists at most of one kind; one more is asked for, to know there are more. A long
# run of one kind (the charges of a card) is better read on that kind's list, with its filters.
KIND_LIMIT = 10
# The palette shows a few matches as you type, and a link to the full list.
COMMAND_LIMIT = 10


def search_page_url(query: str) -> str:
    return f"{reverse('console-search')}?{urlencode({'q': query})}"


@dataclass(frozen=True)
class KindResults:
    """The matches of one kind the page shows; whether the kind has more; and, when its list
    searched for the query lists them all (`SearchField.listed`), that list's URL."""

    kind: SearchKind
    matches: list[SearchMatch]
    more: bool
    list_url: str


def kind_results(kind: SearchKind, matches: list[SearchMatch], query: str) -> KindResults:
    more = len(matches) > KIND_LIMIT
    listed = more and all(match.listed for match in matches)
    return KindResults(kind, matches[:KIND_LIMIT], more, kind.list_search_url(query) if listed else "")


def search_page(request):
    """One match: straight to its page. Several: listed by kind. None, or a query that cannot
    be searched: says so, and what can be searched."""
    if "s" in request.GET:
        return admin.site.search(request)
    query = request.GET.get("q", "").strip()
    problem = search_query_problem(query)
    matches = [] if problem else console_search(query=query, user=request.user, limit=None, per_kind=KIND_LIMIT + 1)
    if len(matches) == 1:
        return redirect(matches[0].url)
    groups = [kind_results(kind, list(kind_matches), query)
              for kind, kind_matches in groupby(matches, key=lambda match: match.kind)]
    context = {
        **admin.site.each_context(request),
        "title": f"Search for “{query}”" if query and not problem else "Search",
        "query": query,
        "problem": problem,
        "groups": groups,
        "match_count": sum(len(group.matches) for group in groups),
        "more": any(group.more for group in groups),
        "searchable_keys": searchable_keys(),
    }
    return TemplateResponse(request, "search/search_page.html", context)


def command_search_results(request, search_term: str) -> list[CommandResult]:
    """UNFOLD["COMMAND"]["search_callback"]: the console's matches for the palette, then a link
    to the search page. unfold passes the term lower-cased; references are searched as typed."""
    query = request.GET.get("s", search_term).strip()
    if search_query_problem(query):
        return []
    matches = console_search(query=query, user=request.user, limit=COMMAND_LIMIT)
    results = [
        CommandResult(title=match.label, description=f"{match.kind.title}, by {match.matched_by} · {match.detail}",
                      link=match.url, icon=match.kind.icon)
        for match in matches
    ]
    results.append(CommandResult(title=f"Search for “{query}”", description="every match, on the search page",
                                 link=search_page_url(query), icon="manage_search"))
    return results
