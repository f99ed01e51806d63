"""The console's admin site is installed as Django documents (`AdminConfig.default_site`); its
sidebar shows each person only the links they may open, with the page being shown highlighted,
written as unfold writes it; Django's list of every model is built only on a page that shows it."""

import re
from pathlib import Path

import pytest
import unfold
from django.apps import apps
from django.contrib import admin
from django.contrib.admin import AdminSite
from django.contrib.auth.models import Permission
from django.template import engines
from django.template.loader import get_template
from django.test import Client
from django.urls import reverse, set_script_prefix
from pytest_django.asserts import assertHTMLEqual

from opsconsole.admin_site import ConsoleAdminConfig, ConsoleAdminSite
from opsconsole.navigation import sidebar_navigation

SIDEBAR_LINKS_START = '<div id="nav-sidebar-apps"'
# The part of the sidebar after its links: the signed-in person's menu.
SIDEBAR_LINKS_END = '<div class="border-t border-base-200 px-6 py-3 relative'
ITEMS_URL = reverse("admin:payments_item_changelist")
CUSTOMERS_URL = reverse("admin:accounts_customer_changelist")
CALLBACKS_URL = reverse("admin:payments_callback_changelist")
STAFF_USERS_URL = reverse("admin:auth_user_changelist")
TICKETS_URL = reverse("admin:support_ticket_changelist")
DASHBOARD_URL = reverse("admin:index")
PAYMENTS_INDEX_URL = reverse("admin:app_list", args=["payments"])
SIDEBAR_LINKS_TEMPLATE = "unfold/helpers/app_list.html"
# What the console's links do not use but its copy of unfold's template must still write alike.
COLLAPSIBLE_GROUP_WITH_BADGES = [{
    "title": "Queue", "collapsible": True, "badge": "3", "items": [
        {"title": "New", "link": "/new/", "icon": "inbox", "has_permission": True, "active": True, "badge": "2"},
        {"title": "Old", "link": "/old/", "has_permission": True, "active": False},
        {"title": "Hidden", "link": "/hidden/", "has_permission": False, "active": False},
    ],
}]


@pytest.fixture
def app_list_builds(monkeypatch) -> list[str]:
    """The paths of the pages for which Django built its list of models by app."""
    built = []
    build = AdminSite.get_app_list

    def counted(site, request, app_label=None):
        built.append(request.path)
        return build(site, request, app_label)

    monkeypatch.setattr(AdminSite, "get_app_list", counted)
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


def test_the_console_site_is_the_admin_apps_default_site():
    assert type(apps.get_app_config("admin")) is ConsoleAdminConfig
    assert isinstance(admin.site, ConsoleAdminSite)
    assert admin.site.is_registered(apps.get_model("payments", "Item"))


def test_the_highlight_follows_the_page_being_shown(client_as):
    client = client_as("ops")
    on_items, _ = sidebar_links(client, ITEMS_URL)
    assert ITEMS_URL in link_targets(on_items) and highlighted(on_items) == {ITEMS_URL}
    on_customers, _ = sidebar_links(client, CUSTOMERS_URL)
    assert highlighted(on_customers) == {CUSTOMERS_URL}
    on_the_filtered_list, _ = sidebar_links(client, f"{TICKETS_URL}?status__exact=new")
    assert highlighted(on_the_filtered_list) == {TICKETS_URL, f"{TICKETS_URL}?status__exact=new"}


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


def test_the_list_of_every_model_is_built_only_where_a_page_shows_it(client_as, app_list_builds):
    client = client_as("ops")
    sidebar_links(client, ITEMS_URL)
    assert app_list_builds == []
    app_index = client.get(PAYMENTS_INDEX_URL)
    assert app_index.status_code == 200
    assert app_list_builds == [PAYMENTS_INDEX_URL]
    assert ITEMS_URL in app_index.content.decode()


def written_both_ways(request, navigation: list[dict]) -> tuple[str, str]:
    """The sidebar links for `navigation`, as the console writes them and as unfold's own
    template writes them."""
    context = {"sidebar_navigation": navigation, "sidebar_show_all_applications": False}
    unfolds_own = engines["django"].from_string(
        (Path(unfold.__file__).parent / "templates" / SIDEBAR_LINKS_TEMPLATE).read_text())
    consoles = get_template(SIDEBAR_LINKS_TEMPLATE)
    return consoles.render(context, request), unfolds_own.render(context, request)


@pytest.mark.parametrize("person", ["ops", "lead", "root"])
def test_the_sidebar_links_are_written_as_unfolds_own_template_writes_them(rf, staff, person):
    request = rf.get(f"{TICKETS_URL}?status__exact=new")
    request.user = staff[person]
    consoles, unfolds = written_both_ways(request, admin.site.get_sidebar_list(request))
    assert f'href="{TICKETS_URL}"' in consoles
    assertHTMLEqual(consoles, unfolds)


def test_badges_and_collapsible_groups_are_written_as_unfold_writes_them(rf):
    consoles, unfolds = written_both_ways(rf.get("/new/"), COLLAPSIBLE_GROUP_WITH_BADGES)
    assert 'href="/new/"' in consoles and "2" in consoles and 'href="/hidden/"' not in consoles
    assertHTMLEqual(consoles, unfolds)


def test_the_links_follow_the_script_prefix_the_console_is_served_under(rf, staff):
    request = rf.get(ITEMS_URL)
    request.user = staff["lead"]
    plain = {item["link"] for group in sidebar_navigation(request) for item in group["items"]}
    set_script_prefix("/ops/")
    try:
        prefixed = {item["link"] for group in sidebar_navigation(request) for item in group["items"]}
    finally:
        set_script_prefix("/")
    assert ITEMS_URL in plain and f"{TICKETS_URL}?status__exact=new" in plain
    assert prefixed == {f"/ops{link}" for link in plain}


USER_MENU_TEMPLATE = "unfold/helpers/navigation_user.html"
CSRF_VALUE = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]+"')


def menu_written_both_ways(request, **context) -> tuple[str, str]:
    """The signed-in person's menu, as the console writes it and as unfold's own template writes
    it, the sign-out form's token (masked anew each time it is asked for) left out."""
    unfolds_own = engines["django"].from_string(
        (Path(unfold.__file__).parent / "templates" / USER_MENU_TEMPLATE).read_text())
    context = {"user": request.user, "site_url": "/", **context}
    written = (get_template(USER_MENU_TEMPLATE).render(context, request), unfolds_own.render(context, request))
    return tuple(CSRF_VALUE.sub(r'\1"', html) for html in written)


@pytest.mark.parametrize("person", ["ops", "lead", "root"])
@pytest.mark.parametrize("context", [
    {},
    {"theme": "dark", "site_url": ""},
    {"account_links": [{"title": "Profile & keys", "link": "/profile/?tab=keys"}]},
])
def test_the_persons_menu_is_written_as_unfolds_own_template_writes_it(rf, staff, person, context):
    request = rf.get(DASHBOARD_URL)
    request.user = staff[person]
    consoles, unfolds = menu_written_both_ways(request, **context)
    assert 'id="logout-form"' in consoles
    assertHTMLEqual(consoles, unfolds)


def test_a_person_without_a_name_or_email_is_shown_by_username(rf, staff):
    person = staff["ops"]
    person.first_name, person.last_name, person.email = "", "", ""
    person.set_unusable_password()
    request = rf.get(DASHBOARD_URL)
    request.user = person
    consoles, unfolds = menu_written_both_ways(request)
    assert f">{person.username[0].upper()}</div>" in consoles and "Change password" not in consoles
    assertHTMLEqual(consoles, unfolds)
