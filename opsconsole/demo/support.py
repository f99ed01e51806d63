"""The support team's demo: tickets of all five kinds tied to the payment scenarios, a bug in the
team's own queue, saved answers, knowledge-base articles and this week's rota."""

import datetime

from django.contrib.contenttypes.models import ContentType

from accounts.models import Customer, Platform
from batches.models import Batch
from opsconsole.demo import scenarios
from payments.models import Item
from support.models import Article, Bug, Priority, RotaWeek, SavedAnswer, Ticket, TicketKind, TicketLink
from support.services import bug_fix_due_at, ticket_create

ARTICLES = [
    ("How callbacks work", "callbacks",
     "We POST a JSON event to your callback URL whenever an item changes state. Answer 2xx within 10 seconds; "
     "otherwise we retry with exponential back-off for 24 hours, then stop. Resend from the console if needed."),
    ("Sending a device id from the Android SDK", "android-device-id",
     "Call `PaymentsClient.setDeviceId(context)` before `makePayment`; the SDK reads the Android ID and sends it "
     "with the charge for our risk checks."),
    ("Test cards for prelive", "prelive-test-cards",
     "4111 1111 1111 1111 approves; 4000 0000 0000 0002 declines with code 05; 4000 0000 0000 9995 declines with "
     "code 51; any future expiry and any CVC."),
    ("Direct debit cut-offs and clearing", "direct-debit-cutoffs",
     "Debits reach the batch until 16:00 Sydney (BECS) or New York (ACH) on business days; funds clear three "
     "(BECS) or two (ACH) business days after processing."),
]
SAVED_ANSWERS = [
    ("Card declined: ask for another card", TicketKind.EXTERNAL_OPS_PROBLEM,
     "Hi {requester_name},\n\nThe buyer's bank declined the payment on {platform}. Please ask the buyer to use "
     "another card or contact their bank. (Ref {reference})"),
    ("Direct debit after cut-off", TicketKind.EXTERNAL_OPS_PROBLEM,
     "Hi {requester_name},\n\nThe direct debit reached the bank after the day's cut-off, so it clears a business "
     "day later. No action is needed. (Ref {reference})"),
    ("Callback endpoint failing", TicketKind.EXTERNAL_DEV_PROBLEM,
     "Hi {requester_name},\n\nYour callback endpoint is answering with server errors, so we could not deliver. "
     "Once it is fixed we will resend. (Ref {reference})"),
]


def _link(ticket: Ticket, record, label: str) -> None:
    TicketLink.objects.create(ticket=ticket, target_type=ContentType.objects.get_for_model(record),
                              target_id=str(record.pk), label=label)


def support_demo_create(*, staff: dict, now: datetime.datetime) -> None:
    for title, slug, body in ARTICLES:
        Article.objects.create(title=title, slug=slug, body=body, tags=slug.replace("-", ","))
    for title, kind, body in SAVED_ANSWERS:
        SavedAnswer.objects.create(title=title, kind=kind, body=body)
    monday = (now - datetime.timedelta(days=now.weekday())).date()
    RotaWeek.objects.create(week_starting=monday, on_duty=staff["engineer"], lead=staff["lead"])

    bazaar = Platform.objects.get(client_id="bazaar-market")
    tradie = Platform.objects.get(client_id=scenarios.FAILING_CALLBACK_PLATFORM)
    held_seller = Customer.objects.get(email=scenarios.HELD_SELLER_EMAIL)

    change_email = ticket_create(
        kind=TicketKind.INTERNAL_TASK, priority=Priority.NORMAL, subject="Change a seller's email",
        description="Seller lost access to her old mailbox and asked by phone to use a new one.",
        requester_name="Priya Raman", requester_email="ops@opsconsole.example.com", requester_staff=staff["ops"],
        platform=bazaar, customer_affected=True, created_at=now - datetime.timedelta(hours=3))
    _link(change_email, held_seller, held_seller.email)

    batch_question = ticket_create(
        kind=TicketKind.INTERNAL_OPS_PROBLEM, priority=Priority.HIGH, subject="Why has batch B-1045 not been processed?",
        description="Finance sees no acknowledgement for yesterday's payout batch.",
        requester_name="Finance team", requester_email="finance@opsconsole.example.com", assignee=staff["engineer"],
        status=Ticket.Status.IN_PROGRESS, created_at=now - datetime.timedelta(hours=20))
    _link(batch_question, Batch.objects.get(reference=scenarios.STUCK_BATCH), scenarios.STUCK_BATCH)

    declined = ticket_create(
        kind=TicketKind.EXTERNAL_OPS_PROBLEM, priority=Priority.NORMAL, subject="Why is my buyer's card declined?",
        description="Buyer says the card works everywhere else.", requester_name="Bazaar Market support",
        requester_email="support@bazaar.example.com", platform=bazaar, created_at=now - datetime.timedelta(hours=6))
    _link(declined, Item.objects.get(external_id="DEMO-DECLINE-51"), "DEMO-DECLINE-51")

    ticket_create(
        kind=TicketKind.EXTERNAL_DEV_INQUIRY, priority=Priority.LOW, subject="How do we send a device id from Android?",
        description="Our Android app team wants to pass device ids for risk checks.",
        requester_name="Tradie Hub developers", requester_email="dev@tradiehub.example.com", platform=tradie,
        created_at=now - datetime.timedelta(days=1))

    callbacks_missing = ticket_create(
        kind=TicketKind.EXTERNAL_DEV_PROBLEM, priority=Priority.URGENT, subject="We never got the callbacks",
        description="No item.payment_deposited callbacks since yesterday.", requester_name="Tradie Hub developers",
        requester_email="dev@tradiehub.example.com", platform=tradie, status=Ticket.Status.WAITING_ON_BUG,
        assignee=staff["engineer"], created_at=now - datetime.timedelta(hours=2))
    bug = Bug.objects.create(
        title="Callback retries stop after the first 500", steps_to_reproduce="Point a platform's callback URL at an "
        "endpoint answering 500; watch the deliveries.", expected_behaviour="Retries with back-off for 24 hours.",
        actual_behaviour="Three attempts within 20 minutes, then nothing.", severity=Bug.Severity.S2,
        owner=staff["developer"], fix_due_at=bug_fix_due_at(severity=Bug.Severity.S2, reported_at=now))
    bug.affected_platforms.add(tradie)
    callbacks_missing.bug = bug
    callbacks_missing.save(update_fields=["bug"])
