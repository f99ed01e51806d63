"""Bad input in a URL or a form gets a 400 or 404 with a message, never a server error: every list
and detail page of every registered model is walked with values no person would type but anyone
can send."""

import datetime

import pytest
from django.test import Client
from django.urls import NoReverseMatch, reverse

from opsconsole.nul_characters import NUL_IN_PARAMETER
from support.models import RotaSwap, RotaWeek
from support.services.rota import SWAP_REASON_TOO_LONG
from tests.admin_models import registered_models
from tests.conftest import sign_in_verified
from tests.factories import make_platform

pytestmark = pytest.mark.django_db
NOT_AN_ID = ["abc", "1.5", "-", "9" * 40, "%00"]
NUL = "a\x00b"


@pytest.fixture
def root(staff) -> Client:
    client = Client(raise_request_exception=False)  # a server error is an answer here, not an exception
    return sign_in_verified(client, staff["root"])


def admin_pages() -> list[tuple[str, str]]:
    pages = []
    for model in registered_models():
        info = f"{model._meta.app_label}_{model._meta.model_name}"
        for name in ("changelist", "change", "history"):
            try:
                reverse(f"admin:{info}_{name}", args=[] if name == "changelist" else ["1"])
            except NoReverseMatch:
                continue
            pages.append((info, name))
    return pages


@pytest.mark.parametrize(("info", "page"), admin_pages())
def test_no_page_answers_a_malformed_value_with_a_server_error(root, info, page):
    if page == "changelist":
        url = reverse(f"admin:{info}_changelist")
        listed = root.get(url)
        assert listed.status_code < 500
        has_changelist = getattr(listed, "context_data", None) and "cl" in listed.context_data
        filter_specs = listed.context_data["cl"].filter_specs if has_changelist else []
        parameters = ["q", *[parameter for spec in filter_specs for parameter in spec.expected_parameters()]]
        for parameter in parameters:
            response = root.get(url, {parameter: NUL})
            assert response.status_code == 400, (parameter, response.status_code)
            assert NUL_IN_PARAMETER.format(name=parameter) in response.content.decode()
            assert root.get(url, {parameter: "abc"}).status_code < 500, parameter
        return
    for value in NOT_AN_ID:
        response = root.get(reverse(f"admin:{info}_{page}", args=[value]))
        assert response.status_code < 500, (value, response.status_code)


def test_the_audit_trail_refuses_a_kind_of_record_that_is_not_one(root):
    response = root.get(reverse("admin:audit_auditevent_changelist"), {"object_type": "abc"})
    assert response.status_code < 500


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1999-12-31"])
def test_the_platform_api_page_says_a_day_is_out_of_range(root, day):
    platform = make_platform()
    response = root.get(reverse("platform-api", args=[platform.pk]), {"until": day})
    assert response.status_code == 400
    assert f"“until” must be a day from 01 Jan 2000 to a year from today, not “{day}”." in response.content.decode()


def test_triage_of_a_ticket_that_is_not_a_number_is_a_404(root):
    assert root.post(reverse("support-triage"), {"ticket": "abc", "decision": "assign"}).status_code == 404


def test_a_rota_swap_with_a_reason_too_long_says_so_and_changes_nothing(root, staff):
    week = RotaWeek.objects.create(week_starting=datetime.date(2026, 11, 23), on_duty=staff["engineer"],
                                   lead=staff["lead"])
    response = root.post(reverse("support-rota-swap", args=[week.pk]),
                         {"new_on_duty": staff["ops"].pk, "reason": "Leave " * 60}, follow=True)
    assert response.status_code < 500
    assert SWAP_REASON_TOO_LONG in response.content.decode()
    week.refresh_from_db()
    assert week.on_duty == staff["engineer"] and not RotaSwap.objects.exists()
