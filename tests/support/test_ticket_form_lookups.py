"""The ticket form's choices are made by typing, for every role that may edit tickets: the
platform, the bug and the original ticket through Django's autocomplete (their admins' searches),
the assignee and a link's record through the ticket form's own look-ups. Each offers only what the
person may choose: their platforms' platforms, tickets and records, and people who work tickets."""

import pytest
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from opsconsole.models import StaffPlatformAccess
from opsconsole.roles import ROLES
from support.links import CHOOSE_A_RECORD, NO_SUCH_RECORD, record_choice_value
from support.models import Bug, Ticket, TicketLink
from support.ticket_form import ALREADY_LINKED, NOT_A_TICKET_WORKER, NOT_ON_THE_STAFF
from support.triage import DUPLICATE_LOOP, DUPLICATE_OF_ITSELF
from tests.factories import make_callback, make_customer, make_platform
from tests.support.test_tickets import new_ticket, ticket_form

pytestmark = pytest.mark.django_db

# Read from the roles, not from the code under test: whoever may edit a ticket fills in its form.
TICKET_EDITORS = [role.demo_username for role in ROLES if "support.change_ticket" in role.permissions]
OTHERS = [role.demo_username for role in ROLES if "support.change_ticket" not in role.permissions] + ["nobody"]


def test_the_roles_that_edit_tickets_are_the_ops_agent_the_lead_and_the_support_engineer():
    assert sorted(TICKET_EDITORS) == ["engineer", "lead", "ops"]


def autocomplete(client, field_name: str, term: str):
    return client.get(reverse("admin:autocomplete"), {
        "app_label": "support", "model_name": "ticket", "field_name": field_name, "term": term})


def found(response) -> list[str]:
    assert response.status_code == 200, response.content[:300]
    return [result["text"] for result in response.json()["results"]]


def found_ids(response) -> list[str]:
    assert response.status_code == 200, response.content[:300]
    return [result["id"] for result in response.json()["results"]]


def limit_to(person: User, *platforms) -> None:
    StaffPlatformAccess.objects.create(user=person).platforms.set(platforms)


@pytest.fixture
def two_platforms():
    return make_platform(name="Harbour Goods"), make_platform(name="Harbour Bikes")


@pytest.mark.parametrize("person", TICKET_EDITORS)
def test_the_platform_is_found_by_part_of_its_name_among_the_persons_platforms(person, client_as, staff,
                                                                                 two_platforms):
    own, other = two_platforms
    assert set(found(autocomplete(client_as(person), "platform", "harbour"))) == {str(own), str(other)}

    limit_to(staff[person], own)
    assert found(autocomplete(client_as(person), "platform", "harbour")) == [str(own)]


@pytest.mark.parametrize("person", TICKET_EDITORS)
def test_the_original_ticket_is_found_by_reference_or_subject_among_the_persons_platforms(person, client_as, staff,
                                                                                          two_platforms):
    own, other = two_platforms
    ours = new_ticket(subject="Payout missing for seller", platform=own)
    theirs = new_ticket(subject="Payout missing for buyer", platform=other)
    client = client_as(person)
    assert found_ids(autocomplete(client, "duplicate_of", ours.reference)) == [str(ours.pk)]
    assert set(found_ids(autocomplete(client, "duplicate_of", "payout missing"))) == {str(ours.pk), str(theirs.pk)}

    limit_to(staff[person], own)
    client = client_as(person)
    assert found_ids(autocomplete(client, "duplicate_of", "payout missing")) == [str(ours.pk)]
    assert found_ids(autocomplete(client, "duplicate_of", theirs.reference)) == []


@pytest.mark.parametrize("person", TICKET_EDITORS)
def test_the_bug_is_found_by_its_number_or_title(person, client_as):
    bug = Bug.objects.create(title="Callback retries stop after a 500", steps_to_reproduce="s",
                             expected_behaviour="e", actual_behaviour="a", severity=Bug.Severity.S2,
                             fix_due_at="2030-01-01T00:00Z")
    client = client_as(person)
    assert found(autocomplete(client, "bug", f"BUG-{bug.pk}")) == [str(bug)]
    assert found(autocomplete(client, "bug", str(bug.pk))) == [str(bug)]
    assert found(autocomplete(client, "bug", "retries")) == [str(bug)]


@pytest.mark.parametrize("person", TICKET_EDITORS)
def test_the_assignee_look_up_offers_only_the_people_who_work_tickets(person, client_as, staff):
    staff["engineer"].first_name, staff["engineer"].last_name = "Erin", "Park"
    staff["engineer"].save()
    url = reverse("admin:support_ticket_assignee_lookup")
    client = client_as(person)
    # By username, each named as the form shows people: by full name, the username without one.
    assert found(client.get(url)) == ["Erin Park", "lead", "ops", "root"]
    assert found(client.get(url, {"term": "park"})) == ["Erin Park"]
    assert found(client.get(url, {"term": "develop"})) == []


@pytest.mark.parametrize("person", OTHERS)
def test_people_who_do_not_edit_tickets_get_no_look_ups(person, client_as):
    client = client_as(person)
    assert client.get(reverse("admin:support_ticket_assignee_lookup")).status_code == 403
    assert client.get(reverse("admin:support_ticket_record_lookup"), {"term": "x"}).status_code == 403


@pytest.mark.parametrize("person", TICKET_EDITORS)
def test_the_record_look_up_finds_records_as_the_search_does_on_the_persons_platforms(person, client_as, staff,
                                                                                        two_platforms):
    own, other = two_platforms
    ours = make_customer(platform=own, email="pat.lee@example.com")
    theirs = make_customer(platform=other, email="pat.lee@example.com")
    url = reverse("admin:support_ticket_record_lookup")
    assert set(found_ids(client_as(person).get(url, {"term": "pat.lee@example.com"}))) == {
        record_choice_value(ours), record_choice_value(theirs)}

    limit_to(staff[person], own)
    response = client_as(person).get(url, {"term": "pat.lee@example.com"})
    assert found_ids(response) == [record_choice_value(ours)]
    assert found(response) == [f"Customer: {ours}"]


def test_the_ticket_form_offers_look_ups_not_ids(client_as):
    ticket = new_ticket()
    page = client_as("engineer").get(reverse("admin:support_ticket_change", args=[ticket.pk])).content.decode()
    for field in ("platform", "bug", "duplicate_of"):
        assert f'data-field-name="{field}"' in page and 'data-ajax--url="/autocomplete/"' in page
    assert f'data-ajax--url="{reverse("admin:support_ticket_assignee_lookup")}"' in page
    assert f'data-ajax--url="{reverse("admin:support_ticket_record_lookup")}"' in page
    assert "vForeignKeyRawIdAdminField" not in page and 'name="links-__prefix__-target_id"' not in page


@pytest.mark.parametrize("person", TICKET_EDITORS)
def test_a_ticket_saved_with_looked_up_choices_has_them(person, client_as, staff, two_platforms):
    own, _ = two_platforms
    ticket, original = new_ticket(), new_ticket(subject="The first report")
    bug = Bug.objects.create(title="Fee id changed", steps_to_reproduce="s", expected_behaviour="e",
                             actual_behaviour="a", severity=Bug.Severity.S3, fix_due_at="2030-01-01T00:00Z")
    response = client_as(person).post(reverse("admin:support_ticket_change", args=[ticket.pk]), ticket_form(
        ticket, platform=own.pk, assignee=staff["engineer"].pk, bug=bug.pk, duplicate_of=original.pk,
        requester_staff=staff["ops"].pk))
    assert response.status_code == 302, response.content.decode()[:3000]
    ticket.refresh_from_db()
    assert (ticket.platform, ticket.assignee, ticket.bug, ticket.duplicate_of, ticket.requester_staff) == (
        own, staff["engineer"], bug, original, staff["ops"])


def form_errors(response) -> dict:
    assert response.status_code == 200
    return response.context["adminform"].form.errors


def test_someone_who_does_not_work_tickets_is_refused_as_assignee_and_nothing_is_saved(client_as, staff):
    ticket = new_ticket(subject="Card declined")
    response = client_as("engineer").post(reverse("admin:support_ticket_change", args=[ticket.pk]), ticket_form(
        ticket, assignee=staff["developer"].pk, subject="Edited beside a refused assignee"))
    assert form_errors(response)["assignee"] == [NOT_A_TICKET_WORKER]
    ticket.refresh_from_db()
    assert ticket.subject == "Card declined"


def test_an_assignee_who_has_left_stays_on_a_ticket_saved_without_changing_them(client_as, staff):
    leaver = staff["ops"]
    ticket = new_ticket(assignee=leaver)
    leaver.is_active = False
    leaver.save()
    response = client_as("engineer").post(reverse("admin:support_ticket_change", args=[ticket.pk]), ticket_form(
        ticket, assignee=leaver.pk, subject="Still theirs"))
    assert response.status_code == 302, response.content.decode()[:3000]
    ticket.refresh_from_db()
    assert (ticket.assignee, ticket.subject) == (leaver, "Still theirs")


def test_another_platforms_platform_and_ticket_are_refused_for_a_person_limited_to_theirs(client_as, staff,
                                                                                            two_platforms):
    own, other = two_platforms
    ticket, theirs = new_ticket(platform=own), new_ticket(platform=other)
    limit_to(staff["engineer"], own)
    response = client_as("engineer").post(reverse("admin:support_ticket_change", args=[ticket.pk]), ticket_form(
        ticket, platform=other.pk, duplicate_of=theirs.pk))
    assert set(form_errors(response)) == {"platform", "duplicate_of"}
    ticket.refresh_from_db()
    assert (ticket.platform, ticket.duplicate_of) == (own, None)


def test_a_ticket_is_never_a_duplicate_of_itself_or_of_its_own_duplicate(client_as):
    ticket = new_ticket()
    repeat = new_ticket(duplicate_of=ticket)
    url = reverse("admin:support_ticket_change", args=[ticket.pk])
    client = client_as("engineer")
    assert form_errors(client.post(url, ticket_form(ticket, duplicate_of=ticket.pk)))["duplicate_of"] == [
        DUPLICATE_OF_ITSELF]
    loop = DUPLICATE_LOOP.format(original=repeat.reference, reference=ticket.reference,
                                 chain=f"{repeat.reference} → {ticket.reference}")
    assert form_errors(client.post(url, ticket_form(ticket, duplicate_of=repeat.pk)))["duplicate_of"] == [loop]
    ticket.refresh_from_db()
    assert ticket.duplicate_of is None


def links(**rows) -> dict:
    """The links inline's management form and its new rows: `links(**{"0-record": value})`."""
    return {"links-TOTAL_FORMS": str(len({key.split("-")[0] for key in rows})), "links-INITIAL_FORMS": "0",
            **{f"links-{key}": value for key, value in rows.items()}}


@pytest.mark.parametrize("person", TICKET_EDITORS)
def test_a_record_chosen_in_the_look_up_is_linked_and_named(person, client_as):
    ticket, customer = new_ticket(), make_customer()
    response = client_as(person).post(reverse("admin:support_ticket_change", args=[ticket.pk]), ticket_form(
        ticket, **links(**{"0-record": record_choice_value(customer), "0-label": ""})))
    assert response.status_code == 302, response.content.decode()[:3000]
    link = ticket.links.get()
    assert (link.target, link.label) == (customer, str(customer))


def test_a_record_of_another_platform_or_kind_is_refused_like_a_missing_one(client_as, staff, two_platforms):
    own, other = two_platforms
    ticket, theirs = new_ticket(platform=own), make_customer(platform=other)
    limit_to(staff["engineer"], own)
    url = reverse("admin:support_ticket_change", args=[ticket.pk])
    client = client_as("engineer")
    customers = ContentType.objects.get_for_model(theirs)
    for value, message in (
            (record_choice_value(theirs), NO_SUCH_RECORD.format(kind=customers.name, id=theirs.pk)),
            (f"{customers.pk}:999999", NO_SUCH_RECORD.format(kind=customers.name, id=999999)),
            (record_choice_value(staff["root"]), NO_SUCH_RECORD.format(kind="user", id=staff["root"].pk)),
            ("not a record", CHOOSE_A_RECORD)):
        response = client.post(url, ticket_form(ticket, **links(**{"0-record": value, "0-label": "x"})))
        assert response.status_code == 200
        assert response.context["inline_admin_formsets"][0].formset.forms[0].errors["record"] == [message]
    assert not TicketLink.objects.exists()


def test_a_record_already_linked_is_refused(client_as):
    ticket, customer = new_ticket(), make_customer()
    TicketLink.objects.create(ticket=ticket, target_type=ContentType.objects.get_for_model(customer),
                              target_id=str(customer.pk), label="Buyer")
    existing = {"links-INITIAL_FORMS": "1", "links-TOTAL_FORMS": "2", "links-0-id": str(ticket.links.get().pk),
                "links-0-ticket": str(ticket.pk), "links-0-record": record_choice_value(customer),
                "links-0-label": "Buyer", "links-1-record": record_choice_value(customer), "links-1-label": ""}
    response = client_as("engineer").post(reverse("admin:support_ticket_change", args=[ticket.pk]),
                                          ticket_form(ticket, **existing))
    assert response.status_code == 200
    assert response.context["inline_admin_formsets"][0].formset.forms[1].errors["record"] == [ALREADY_LINKED]
    assert ticket.links.count() == 1


def test_a_new_ticket_raised_with_looked_up_choices(client_as, staff, two_platforms):
    own, _ = two_platforms
    response = client_as("ops").post(reverse("admin:support_ticket_add"), {
        "kind": "external_dev_problem", "priority": "high", "status": "new", "subject": "SDK errors",
        "description": "The .NET SDK throws", "requester_name": "Dev", "requester_email": "dev@example.com",
        "platform": own.pk, "assignee": staff["lead"].pk, "resolution": "", "decline_reason": "",
        "links-TOTAL_FORMS": "0", "links-INITIAL_FORMS": "0", "messages-TOTAL_FORMS": "0",
        "messages-INITIAL_FORMS": "0"})
    assert response.status_code == 302, response.content.decode()[:3000]
    ticket = Ticket.objects.get(subject="SDK errors")
    assert (ticket.platform, ticket.assignee, ticket.reference) == (own, staff["lead"], f"SUP-{ticket.pk}")


def test_a_link_to_a_record_the_search_does_not_find_is_kept_when_the_ticket_is_saved(client_as):
    ticket, callback = new_ticket(), make_callback()
    link = TicketLink.objects.create(ticket=ticket, target_type=ContentType.objects.get_for_model(callback),
                                     target_id=str(callback.pk), label="The failing callback")
    existing = {"links-INITIAL_FORMS": "1", "links-TOTAL_FORMS": "1", "links-0-id": str(link.pk),
                "links-0-ticket": str(ticket.pk), "links-0-record": record_choice_value(callback),
                "links-0-label": "The callback that fails"}
    response = client_as("engineer").post(reverse("admin:support_ticket_change", args=[ticket.pk]),
                                          ticket_form(ticket, subject="Callbacks fail", **existing))
    assert response.status_code == 302, response.content.decode()[:3000]
    link.refresh_from_db()
    assert (link.target, link.label) == (callback, "The callback that fails")
    ticket.refresh_from_db()
    assert ticket.subject == "Callbacks fail"


def test_a_requester_on_the_staff_is_an_active_member_of_it(client_as, staff):
    ticket = new_ticket()
    staff["auditor"].is_active = False
    staff["auditor"].save()
    response = client_as("engineer").post(reverse("admin:support_ticket_change", args=[ticket.pk]),
                                          ticket_form(ticket, requester_staff=staff["auditor"].pk))
    assert form_errors(response)["requester_staff"] == [NOT_ON_THE_STAFF]
    ticket.refresh_from_db()
    assert ticket.requester_staff is None
