"""The sidebar's links are rendered once for each way they can look and reused
(opsconsole/sidebar_cache.py): the same page again does not build them, yet each person still
sees only the links they may open, with the page being shown highlighted."""

import re

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from unfold.sites import UnfoldAdminSite

from opsconsole.process_memo import ProcessMemo
from opsconsole.sidebar_cache import SIDEBAR_CACHE_SECONDS, rendered_sidebars

SIDEBAR_LINKS_START = '<div id="nav-sidebar-apps"'
# The part of the sidebar after its links: the signed-in person's menu.
SIDEBAR_LINKS_END = '<div class="border-t border-base-200 px-6 py-3 relative'
ITEMS_URL = reverse("admin:payments_item_changelist")
CUSTOMERS_URL = reverse("admin:accounts_customer_changelist")
CALLBACKS_URL = reverse("admin:payments_callback_changelist")
STAFF_USERS_URL = reverse("admin:auth_user_changelist")
DASHBOARD_URL = reverse("admin:index")


@pytest.fixture(autouse=True)
def no_rendered_sidebars():
    rendered_sidebars.clear()
    yield
    rendered_sidebars.clear()


@pytest.fixture
def sidebar_builds(monkeypatch) -> list[str]:
    """The paths of the pages for which unfold built its sidebar groups."""
    built = []
    build = UnfoldAdminSite.get_sidebar_list

    def counted(site, request):
        built.append(request.path)
        return build(site, request)

    monkeypatch.setattr(UnfoldAdminSite, "get_sidebar_list", counted)
    return built


def sidebar_links(client: Client, url: str):
    """The sidebar links' HTML on `url`, and the response."""
    response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    start = page.index(SIDEBAR_LINKS_START)
    return page[start:page.index(SIDEBAR_LINKS_END, start)], response


def link_targets(html: str) -> set[str]:
    return set(re.findall(r'<a href="([^"]+)"', html))


def highlighted(html: str) -> set[str]:
    links = re.findall(r'<a href="([^"]+)" class="([^"]*)"', html)
    return {href for href, classes in links if "active" in classes.split()}


def rendered_templates(response) -> set[str]:
    return {template.name for template in response.templates}


def test_a_second_page_does_not_build_the_sidebar_again(client_as, sidebar_builds):
    client = client_as("ops")
    first, first_response = sidebar_links(client, ITEMS_URL)
    again, again_response = sidebar_links(client, ITEMS_URL)
    assert sidebar_builds == [ITEMS_URL]
    assert "unfold/helpers/app_list.html" in rendered_templates(first_response)
    assert "unfold/helpers/app_list.html" not in rendered_templates(again_response)
    assert again == first
    assert ITEMS_URL in link_targets(again) and highlighted(again) == {ITEMS_URL}


def test_the_highlight_follows_the_page_being_shown(client_as, sidebar_builds):
    client = client_as("ops")
    sidebar_links(client, ITEMS_URL)
    on_customers, _ = sidebar_links(client, CUSTOMERS_URL)
    assert highlighted(on_customers) == {CUSTOMERS_URL}
    on_items_again, _ = sidebar_links(client, ITEMS_URL)
    assert highlighted(on_items_again) == {ITEMS_URL}
    on_the_filtered_list, _ = sidebar_links(client, f"{reverse('admin:support_ticket_changelist')}?status__exact=new")
    assert highlighted(on_the_filtered_list) == {
        reverse("admin:support_ticket_changelist"), f"{reverse('admin:support_ticket_changelist')}?status__exact=new"}
    assert len(sidebar_builds) == 3


@pytest.mark.parametrize(("first", "then", "link"), [
    ("engineer", "ops", CALLBACKS_URL),  # a role's permission
    ("root", "lead", STAFF_USERS_URL),  # a superuser's link
])
def test_a_person_without_the_permission_does_not_see_the_link(client_as, first, then, link):
    permitted, _ = sidebar_links(client_as(first), DASHBOARD_URL)
    assert link in link_targets(permitted)
    not_permitted, _ = sidebar_links(client_as(then), DASHBOARD_URL)
    assert link not in link_targets(not_permitted)
    assert highlighted(not_permitted) == set()


def test_a_permission_given_shows_its_link_on_the_next_page(client_as, staff):
    client = client_as("ops")
    assert CALLBACKS_URL not in link_targets(sidebar_links(client, DASHBOARD_URL)[0])
    view_callbacks = Permission.objects.get(content_type__app_label="payments", codename="view_callback")
    staff["ops"].user_permissions.add(view_callbacks)
    assert CALLBACKS_URL in link_targets(sidebar_links(client, DASHBOARD_URL)[0])


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_kept_links_last_their_lifetime_and_the_oldest_go_first():
    clock = Clock()
    kept = ProcessMemo(seconds=SIDEBAR_CACHE_SECONDS, entries=2, clock=clock)
    kept.put("ops on items", "<a>Items</a>")
    clock.now += SIDEBAR_CACHE_SECONDS - 1
    assert kept.get("ops on items") == "<a>Items</a>"
    clock.now += 1
    assert kept.get("ops on items") is None
    kept.put("ops on items", "<a>Items</a>")
    kept.put("ops on customers", "<a>Customers</a>")
    kept.put("lead on items", "<a>Items</a><a>Ledger</a>")
    assert kept.get("ops on items") is None
    assert kept.get("ops on customers") == "<a>Customers</a>"
