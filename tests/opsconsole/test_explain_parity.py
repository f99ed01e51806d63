"""`manage.py explain` gives the answers the pages give, in text and in JSON: the same verdicts,
computed once by the same explanations, for objects whose answers name several blockers, a late
batch and an overdue payment."""

import datetime
import html
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import BankAccount, Customer
from batches.models import Batch, Network
from opsconsole.business_calendar import calendar_for
from opsconsole.explaining.selectors import object_explain
from payments.models import Charge, ItemState
from tests.factories import make_bank_account, make_batch, make_charge, make_customer, make_item, make_payout_hold

pytestmark = pytest.mark.django_db


@pytest.fixture
def objects():
    seller = make_customer(kind=Customer.Kind.SELLER, kyc_state=Customer.KycState.PENDING)
    make_bank_account(customer=seller, status=BankAccount.Status.UNVERIFIED)
    make_payout_hold(customer=seller, reason="Chargeback review")
    calendar = calendar_for(Network.BECS)
    christmas = datetime.date(2025, 12, 25)
    batch = make_batch(processing_date=christmas, cutoff_at=calendar.cutoff_on(christmas), status=Batch.Status.OPEN,
                       submitted_at=None)
    item = make_item(state=ItemState.PAYMENT_PENDING)
    make_charge(item=item, status=Charge.Status.PENDING, response_code="",
                created_at=timezone.now() - datetime.timedelta(days=2))
    return {"customer": seller, "batch": batch, "item": item}


def explained(name: str, obj, *extra: str) -> str:
    out = StringIO()
    call_command("explain", name, str(obj.pk), *extra, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize("name", ["customer", "batch", "item"])
def test_the_command_line_and_the_page_give_the_same_answers(objects, client_as, name):
    obj = objects[name]
    answers = object_explain(obj=obj)
    document = json.loads(explained(name, obj, "--json"))
    assert document["answers"] == [{"question": answer.question, **answer.verdict.as_dict()} for answer in answers]
    text = explained(name, obj)
    page = client_as("lead").get(reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change",
                                         args=[obj.pk])).content.decode()
    for answer in answers:
        assert answer.verdict.summary in text and answer.verdict.next_step in text
        assert html.escape(answer.verdict.summary) in page
    codes = {answer.verdict.code for answer in answers}
    assert codes & {"seller.on_hold", "batch.not_submitted_after_cutoff", "item.payment_pending.authorisation_overdue"}
