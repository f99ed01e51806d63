"""Developers write the API changelog in the console (each edit kept in its history); the people
who answer platforms read it; the request log itself is read-only for everyone."""

import datetime

import pytest
from django.urls import reverse
from django.utils.html import escape

from apilog.models import ENDPOINT_FORMAT_PROBLEM, ApiChange
from tests.apilog.traffic import record, requests_on_days
from tests.factories import make_platform

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 11, 20)
ADD_URL = reverse("admin:apilog_apichange_add")
ENTRY = {"changed_at_0": "2026-11-12", "changed_at_1": "01:00:00", "endpoint": "POST /items",
         "summary": "fee ids are validated strictly", "details": "", "breaking": "on"}


def test_a_developer_adds_and_corrects_a_changelog_entry_with_its_history(client_as):
    client = client_as("developer")
    assert client.post(ADD_URL, ENTRY).status_code == 302
    change = ApiChange.objects.get()
    assert (change.endpoint, change.breaking) == ("POST /items", True)

    edit_url = reverse("admin:apilog_apichange_change", args=[change.pk])
    corrected = {**ENTRY, "summary": "fee ids are validated strictly: unknown ones are refused"}
    assert client.post(edit_url, corrected).status_code == 302
    history = change.history.order_by("history_date")
    assert [entry.summary for entry in history] == [ENTRY["summary"], corrected["summary"]]
    assert {entry.history_user.username for entry in history} == {"developer"}
    assert client.post(reverse("admin:apilog_apichange_delete", args=[change.pk]), {"post": "yes"}).status_code == 403


def test_an_endpoint_not_written_as_method_and_route_is_refused(client_as):
    response = client_as("developer").post(ADD_URL, {**ENTRY, "endpoint": "/items"})
    assert response.status_code == 200
    assert escape(ENDPOINT_FORMAT_PROBLEM) in response.content.decode()
    assert not ApiChange.objects.exists()


@pytest.mark.parametrize("username", ["ops", "lead", "engineer"])
def test_the_rest_of_the_team_reads_the_changelog_and_cannot_write_it(client_as, username):
    client = client_as(username)
    assert client.get(reverse("admin:apilog_apichange_changelist")).status_code == 200
    assert client.post(ADD_URL, ENTRY).status_code == 403
    assert not ApiChange.objects.exists()


def test_the_request_log_is_read_only_and_technical(client_as):
    platform = make_platform()
    record(requests_on_days(platform, first_day=DAY, last_day=DAY, per_day=3))
    list_url = reverse("admin:apilog_apirequest_changelist")
    for username in ("engineer", "lead", "developer"):
        page = client_as(username).get(list_url)
        assert page.status_code == 200 and "req_test_" in page.content.decode(), username
    assert client_as("ops").get(list_url).status_code == 403
    assert client_as("root").get(reverse("admin:apilog_apirequest_add")).status_code == 403
    rollups = client_as("developer").get(reverse("admin:apilog_apirequestrollup_changelist"))
    assert rollups.status_code == 200


def test_the_sidebar_offers_the_api_log_to_those_who_may_read_it(client_as):
    requests_link = f'href="{reverse("admin:apilog_apirequest_changelist")}"'
    changelog_link = f'href="{reverse("admin:apilog_apichange_changelist")}"'
    engineer = client_as("engineer").get(reverse("admin:index")).content.decode()
    assert requests_link in engineer and changelog_link in engineer
    ops = client_as("ops").get(reverse("admin:index")).content.decode()
    assert requests_link not in ops and changelog_link in ops
