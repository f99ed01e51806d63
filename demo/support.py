"""The support team's demo: tickets of all five kinds tied to the payment scenarios, a bug in the
team's own queue, saved answers, knowledge-base articles and this week's rota."""

import datetime

from django.contrib.contenttypes.models import ContentType

from accounts.models import Customer, Platform
from batches.models import Batch
from demo import scenarios
from payments.models import Item
from support.bugs import bug_fix_due_at
from support.knowledge import ticket_record_article
from support.models import Article, Bug, Priority, RotaWeek, SavedAnswer, Ticket, TicketKind, TicketLink
from support.services.tickets import ticket_create

# (title, slug, category, visibility, tags, body). Shareable ones may be sent to a platform's
# developers as they are; internal ones say how we work and stay with the team.
ARTICLES = [
    ("How callbacks work", "how-callbacks-work", Article.Category.CALLBACKS, Article.Visibility.SHAREABLE,
     "callbacks,webhooks,signature,hmac,retries",
     "Events. We POST a JSON event to your platform's callback URL whenever one of your records changes state: "
     "item.created, item.payment_deposited, item.completed, item.refunded, item.cancelled, "
     "disbursement.paid, disbursement.returned and batch.processed. The body carries `event_type`, `event_id`, "
     "`created_at` and the record as the API returns it. The same event can arrive more than once: store "
     "`event_id` and ignore repeats.\n\n"
     "Signing. Every request carries the header `X-Ops-Signature: t=<unix seconds>,v1=<hex>`, where v1 is "
     "HMAC-SHA256, keyed with your platform's callback secret (in the dashboard under Settings > Callbacks), of "
     "the string `<t>.<raw request body>`. To verify: split the header on commas, rebuild `<t>.<body>` from the "
     "raw bytes you received (before any JSON parsing), compute the HMAC with your secret, and compare it with v1 "
     "using a constant-time comparison (hmac.compare_digest in Python, crypto.timingSafeEqual in Node). Reject "
     "the request when they differ or when t is more than 5 minutes from your clock (replays).\n\n"
     "Retries. Answer with any 2xx within 10 seconds; do the work afterwards. Anything else (a timeout, a 3xx, "
     "4xx or 5xx) is retried with exponential back-off: 1, 2, 4, 8, 16 and 32 minutes, then every hour, until "
     "24 hours after the first attempt. Then we stop and the callback is marked abandoned; once your endpoint "
     "is healthy, ask us (or use the dashboard) to resend it."),
    ("Sending a device id from the iOS and Android SDKs", "sdk-device-id", Article.Category.SDKS,
     Article.Visibility.SHAREABLE, "sdk,ios,android,device id,risk",
     "Our risk checks use a device id sent with each card charge; without one, more charges are reviewed or "
     "declined by risk.\n\n"
     "Android (SDK 3.x): call `PaymentsClient.setDeviceId(context)` once the client is built and before "
     "`makePayment`; the SDK reads the app-scoped Android ID (Settings.Secure.ANDROID_ID) and sends it as "
     "`device_id` with the charge. No extra permission is needed.\n\n"
     "iOS (SDK 3.x): call `PaymentsClient.shared.setDeviceId()` before `makePayment`; the SDK sends "
     "`UIDevice.current.identifierForVendor`. Do not send the advertising identifier (IDFA): it needs App "
     "Tracking Transparency consent and we do not use it.\n\n"
     "Server-side integrations: pass the id you collected in the app as `device_id` on POST /charges. Check a "
     "charge's risk details in the dashboard: \"device id: present\"."),
    ("Prelive test cards for each outcome", "prelive-test-cards", Article.Category.TESTING,
     Article.Visibility.SHAREABLE, "testing,prelive,test cards,declines,3ds",
     "In prelive only, these card numbers give a fixed outcome. Use any future expiry date and any 3-digit CVC "
     "(4 digits for Amex) unless stated.\n\n"
     "Approved: 4111 1111 1111 1111 (Visa), 5555 5555 5555 4444 (Mastercard), 3782 822463 10005 (Amex).\n"
     "Declined, insufficient funds (code 51): 4000 0000 0000 9995.\n"
     "Declined, do not honour (code 05): 4000 0000 0000 0002.\n"
     "Declined, expired card (code 54): 4000 0000 0000 0069 (any expiry; the issuer says it has expired).\n"
     "Declined, incorrect CVC (code N7): 4000 0000 0000 0127.\n"
     "Lost or stolen card: 4000 0000 0000 9987 (lost, 41) and 4000 0000 0000 9979 (stolen, 43) are returned "
     "to your platform as a generic decline, do not honour (05), so nobody learns the card was reported.\n"
     "3-D Secure challenge: 4000 0000 0000 3220 asks for a challenge; in the challenge page choose Complete "
     "to approve or Fail to decline. 4000 0000 0000 3063 is frictionless (authenticated without a challenge)."),
    ("Direct debit cut-offs and clearing", "direct-debit-cutoffs", Article.Category.BATCHES,
     Article.Visibility.INTERNAL, "direct debit,becs,ach,cut-off,batches",
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
    articles = {}
    for title, slug, category, visibility, tags, body in ARTICLES:
        articles[slug] = Article.objects.create(title=title, slug=slug, category=category, visibility=visibility,
                                                tags=tags, body=body)
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
        kind=TicketKind.INTERNAL_OPS_PROBLEM, priority=Priority.HIGH,
        subject="Why has batch B-1045 not been processed?",
        description="Finance sees no acknowledgement for yesterday's payout batch.",
        requester_name="Finance team", requester_email="finance@opsconsole.example.com", assignee=staff["engineer"],
        status=Ticket.Status.IN_PROGRESS, created_at=now - datetime.timedelta(hours=20))
    _link(batch_question, Batch.objects.get(reference=scenarios.STUCK_BATCH), scenarios.STUCK_BATCH)

    declined = ticket_create(
        kind=TicketKind.EXTERNAL_OPS_PROBLEM, priority=Priority.NORMAL, subject="Why is my buyer's card declined?",
        description="Buyer says the card works everywhere else.", requester_name="Bazaar Market support",
        requester_email="support@bazaar.example.com", platform=bazaar, created_at=now - datetime.timedelta(hours=6))
    _link(declined, Item.objects.get(external_id="DEMO-DECLINE-51"), "DEMO-DECLINE-51")

    device_id_question = ticket_create(
        kind=TicketKind.EXTERNAL_DEV_INQUIRY, priority=Priority.LOW, subject="How do we send a device id from Android?",
        description="Our Android app team wants to pass device ids for risk checks.",
        requester_name="Tradie Hub developers", requester_email="dev@tradiehub.example.com", platform=tradie,
        created_at=now - datetime.timedelta(days=1))
    ticket_record_article(ticket=device_id_question, article=articles["sdk-device-id"], by=staff["engineer"])

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
    bug.articles.add(articles["how-callbacks-work"])
    callbacks_missing.bug = bug
    callbacks_missing.save(update_fields=["bug"])
