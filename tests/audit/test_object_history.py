"""Per-object history: every record of payments and support data that can change keeps a
field-by-field history (django-simple-history), each change naming the person or the task run."""

from datetime import UTC, datetime

import pytest
from django.apps import apps
from django.contrib import admin
from django.test import Client, RequestFactory
from django.urls import reverse

from support.models import TicketLink, TicketMessage
from support.resources import NOTE_ALREADY_RECORDED, TicketMessageResource
from tests.conftest import sign_in_verified
from tests.factories import make_customer
from tests.support.test_tickets import new_ticket

# Records written once and never changed (logs of what happened), and the SLA clocks' pauses,
# which the clocks derive from a ticket's status changes (themselves in the ticket's history).
# Ticket notes are never rewritten either, but keep a history so that an imported one shows who
# brought it in. An import from another tracker and its checked rows are its working copy: what came
# of it is its task run, its audit event and the history of every record it wrote.
WRITTEN_ONCE_OR_DERIVED = {
    "payments.itemstatechange", "payments.transaction", "payments.callbackdelivery",
    "support.rotaswap", "support.ticketpause", "support.trackerimport", "support.trackerimportrow",
}


def test_every_record_that_can_change_keeps_its_history():
    without_history = {
        model._meta.label_lower
        for app_label in ("accounts", "payments", "batches", "support")
        for model in apps.get_app_config(app_label).get_models()
        if not model.__name__.startswith("Historical")
        and not hasattr(model._meta, "simple_history_manager_attribute")
    }
    assert without_history == WRITTEN_ONCE_OR_DERIVED


def test_a_ticket_link_keeps_who_made_it_and_its_removal(staff):
    ticket = new_ticket()
    make_customer(email="linked@example.com")
    client = sign_in_verified(Client(), staff["engineer"])
    client.post(reverse("support-ticket-link-record", args=[ticket.pk]), {"query": "linked@example.com"})
    link = TicketLink.objects.get(ticket=ticket)
    link_id = link.pk
    link.delete()
    made, removed = TicketLink.history.filter(id=link_id).order_by("history_id")
    assert (made.history_type, made.history_user) == ("+", staff["engineer"])
    assert removed.history_type == "-"


@pytest.mark.parametrize("label", sorted(
    label for label in WRITTEN_ONCE_OR_DERIVED if admin.site.is_registered(apps.get_model(label))))
def test_records_kept_without_history_cannot_be_rewritten_through_the_admin(staff, label):
    model = apps.get_model(label)
    request = RequestFactory().get("/")
    request.user = staff["root"]
    model_admin = admin.site.get_model_admin(model)
    assert not model_admin.has_change_permission(request) and not model_admin.has_delete_permission(request)


def test_an_import_cannot_rewrite_a_note_but_may_bring_it_again_unchanged(staff):
    note = TicketMessage.objects.create(ticket=new_ticket(), author=staff["engineer"], body="Checked the batch",
                                        visibility=TicketMessage.Visibility.INTERNAL,
                                        created_at=datetime(2026, 10, 2, 9, 15, tzinfo=UTC))  # as a file keeps it
    exported = TicketMessageResource().export(queryset=TicketMessage.objects.all())

    assert not TicketMessageResource().import_data(exported, dry_run=False, user=staff["lead"]).has_validation_errors()
    exported.dict = [{**exported.dict[0], "body": "Nothing to see"}]
    result = TicketMessageResource().import_data(exported, dry_run=False, user=staff["lead"])
    assert result.has_validation_errors()
    assert NOTE_ALREADY_RECORDED.format(id=note.pk) in str(result.invalid_rows[0].error_dict)
    note.refresh_from_db()
    assert note.body == "Checked the batch"
