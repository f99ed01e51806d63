"""Why is this item in its state? Why was this card declined? Why was this disbursement not paid?
Why did the platform not receive this callback?"""

from collections.abc import Callable

from django.db.models import Subquery
from django.utils.timesince import timesince

from batches.lateness import batch_lateness
from batches.models import Batch
from batches.selectors import batch_entry_for, batch_entry_rows, batch_expected_clearing_date
from opsconsole.business_calendar import calendar_for
from opsconsole.explaining.base import Evidence, Explanation, SuggestedTask, Verdict
from opsconsole.explaining.registry import register
from opsconsole.explaining.times import clock_time, day, moment
from opsconsole.reference_codes import bank_return
from opsconsole.union_reads import Rows, read_in_one_union
from opsconsole.wording import possessive
from payments.callback_answers import answer_text, endpoint_answer
from payments.explain_charges import charge_declined_verdict, charge_evidence
from payments.explain_payouts import (
    blocked_payout_verdict,
    failed_batch_blocker,
    next_payout_verdict,
    seller_payout_blockers,
    seller_payout_reads,
)
from payments.models import Callback, Charge, Disbursement, Item, ItemState, PaymentMethod, Transaction
from payments.pending_clocks import (
    BANK_TRANSFER_BUSINESS_DAYS,
    bank_transfer_clock,
    card_authorisation_clock,
    direct_debit_clock,
    three_ds_clock,
)

BatchStatus = Batch.Status


@register
class ChargeOutcome(Explanation):
    model = Charge
    question = "Why did this payment attempt end this way?"

    def explain(self, charge):
        if charge.status in (Charge.Status.DECLINED, Charge.Status.FAILED):
            return charge_declined_verdict(charge)
        evidence = charge_evidence(charge)
        if charge.status == Charge.Status.REQUIRES_ACTION:
            return three_ds_verdict(charge, evidence)
        if charge.status == Charge.Status.PENDING and charge.method == PaymentMethod.DIRECT_DEBIT:
            return direct_debit_verdict(charge, evidence)
        if charge.status == Charge.Status.PENDING:
            return card_authorisation_verdict(charge, evidence)
        if charge.status == Charge.Status.REFUNDED:
            return Verdict("charge.refunded", "This payment was refunded to the buyer.", "Nothing to do.", evidence)
        return Verdict("charge.succeeded", "The payment succeeded: the issuer approved it.", "Nothing to do.", evidence)


def three_ds_verdict(charge, evidence) -> Verdict:
    clock = three_ds_clock(started_at=charge.created_at)
    evidence = [*evidence, Evidence("Started", moment(charge.created_at))]
    if clock.overdue():
        return Verdict(
            "charge.three_ds_overdue",
            f"Overdue by {clock.overdue_by()}: the issuer asked for 3-D Secure {timesince(charge.created_at)} ago and "
            f"the buyer has not completed it; a verification stays open for minutes, so this one will not complete.",
            "Ask the buyer to pay again; the new attempt asks for the verification again.", evidence,
            retry_can_help=True,
            tell_the_customer="Your bank's verification of this payment was not completed in time. Please pay again "
                              "and complete the verification your bank shows you.",
        )
    return Verdict(
        "charge.three_ds_incomplete",
        f"The issuer asked for 3-D Secure and the buyer has not completed it (started {timesince(charge.created_at)} "
        f"ago; overdue after {moment(clock.due)}).",
        "Ask the buyer to finish the bank's verification step, or to pay again.", evidence, retry_can_help=True,
        tell_the_customer="Your bank needs you to confirm this payment; please complete the verification.",
    )


def card_authorisation_verdict(charge, evidence) -> Verdict:
    clock = card_authorisation_clock(started_at=charge.created_at)
    evidence = [*evidence, Evidence("Sent", moment(charge.created_at))]
    if clock.overdue():
        return Verdict(
            "charge.authorisation_overdue",
            f"Overdue by {clock.overdue_by()}: the card authorisation was sent {timesince(charge.created_at)} ago and "
            "the issuer has not answered; issuers answer in seconds. Nothing here tells why it is still pending.",
            f"Escalate to the gateway (the payments engineers) with the charge's gateway reference "
            f"{charge.gateway_reference}: only they can see where the authorisation stopped.", evidence,
        )
    return Verdict(
        "charge.authorisation_pending",
        f"The card authorisation was sent {timesince(charge.created_at)} ago and the issuer has not answered yet.",
        f"Wait: issuers answer within minutes. If it is still pending at {moment(clock.due)}, it is overdue: "
        "escalate to the payments engineers.", evidence,
    )


def direct_debit_verdict(charge, evidence) -> Verdict:
    entry = batch_entry_for(charge_id=charge.pk)
    if entry is None:
        return Verdict(
            "charge.direct_debit.awaiting_batch",
            "The direct debit has not been put into a batch yet; it goes in the next debit batch.",
            "Nothing to do: it is collected with the next batch.", evidence,
        )
    batch = entry.batch
    evidence = [*evidence, Evidence("Batch", f"{batch.reference} ({batch.get_status_display().lower()})", batch),
                Evidence("Batch entry", entry.trace_number, entry)]
    clears = day(batch_expected_clearing_date(batch=batch))
    calendar = calendar_for(batch.network)
    clock = direct_debit_clock(started_at=charge.created_at, batch=batch)
    if clock.overdue():
        return Verdict(
            "charge.direct_debit.overdue",
            f"Overdue by {clock.overdue_by()}: the direct debit's funds should have cleared on {clears}, and the "
            f"charge is still pending; its batch {batch.reference} is {batch.get_status_display().lower()}. "
            "Nothing here tells why it has not cleared.",
            f"Open batch {batch.reference}: its explanation says where it stopped. If the batch settled, escalate "
            "to the payments engineers with the entry's trace number.", evidence,
        )
    if batch.missed_cutoff:
        return Verdict(
            "charge.direct_debit.missed_cutoff",
            f"The direct debit went into batch {batch.reference}, submitted at "
            f"{moment(batch.submitted_at, calendar.time_zone)}, after that day's "
            f"{clock_time(batch.cutoff_at, calendar.time_zone)} cut-off, so the bank processes it a business day "
            f"later; the funds clear on {clears}.",
            f"Nothing to do: tell the buyer and seller the payment clears on {clears}.", evidence,
        )
    holiday = calendar.holiday_name(batch.processing_date)
    if holiday or batch.processing_date.weekday() >= 5:
        why = f"{holiday}, a bank holiday" if holiday else "a weekend"
        return Verdict(
            "charge.direct_debit.bank_holiday" if holiday else "charge.direct_debit.weekend",
            f"The direct debit is in batch {batch.reference}, scheduled for {day(batch.processing_date)}, which is "
            f"{why}; the bank processes it on the next business day and the funds clear on {clears}.",
            f"Nothing to do: the payment clears on {clears}.", evidence,
        )
    return Verdict(
        "charge.direct_debit.in_batch",
        f"The direct debit is in batch {batch.reference} ({batch.get_status_display().lower()}); "
        f"the funds clear on {clears}.",
        f"Nothing to do: the payment clears on {clears}.", evidence,
    )


@register
class ItemStateReason(Explanation):
    model = Item
    question = "Why is this item in its state?"

    def explain(self, item):
        # Everything the answer reads, in one statement: the last change, and the last charge, or
        # for a completed item what its payout's answer reads (the payout with its seller, its
        # batch entry, what stops its seller's payouts).
        reads = {"change": Rows(item.state_changes.order_by("-changed_at", "-id")[:1])}
        if item.state == ItemState.COMPLETED:
            payouts = item.disbursements.order_by("-id")
            reads |= {
                "disbursement": Rows(payouts[:1], related=("seller",)),
                "entry": batch_entry_rows(disbursement_id=Subquery(payouts.values("id")[:1])),
                **seller_payout_reads(Subquery(payouts.values("seller_id")[:1])),
            }
        else:
            reads["charge"] = Rows(item.charges.order_by("-created_at", "-id")[:1],
                                   related=("card_account", "bank_account"))
        latest = read_in_one_union(reads)
        last_change = next(iter(latest["change"]), None)
        evidence = [Evidence("State", f"{item.get_state_display()} for {timesince(item.state_changed_at)}", item)]
        if last_change:
            evidence.append(Evidence("Last change", f"{last_change.cause} ({moment(last_change.changed_at)})"))
        if item.state == ItemState.COMPLETED:
            return self.completed(item, next(iter(latest["disbursement"]), None), evidence, latest)
        handler = getattr(self, item.state)
        return handler(item, next(iter(latest["charge"]), None), evidence)

    def pending(self, item, charge, evidence):
        return Verdict("item.pending.awaiting_buyer", "The buyer has not accepted the item yet.",
                       "The platform asks the buyer to accept it; nothing for ops to do.", evidence)

    def payment_required(self, item, charge, evidence):
        if charge and charge.status in (Charge.Status.DECLINED, Charge.Status.FAILED):
            verdict = charge_declined_verdict(charge)
            return Verdict(f"item.payment_required.{verdict.code}",
                           f"The buyer's last payment attempt did not go through. {verdict.summary}",
                           verdict.next_step, [*evidence, *verdict.evidence], verdict.retry_can_help,
                           tell_the_customer=verdict.tell_the_customer)
        return Verdict("item.payment_required.awaiting_payment", "The buyer accepted the item but has not paid yet.",
                       "The platform asks the buyer to pay; nothing for ops to do.", evidence)

    def payment_pending(self, item, charge, evidence):
        if item.payment_method == PaymentMethod.BANK_TRANSFER and not charge:
            received = item.transactions.filter(kind=Transaction.Kind.PAYMENT).exists()
            if not received:
                return bank_transfer_verdict(item, evidence)
        if charge is None:
            return Verdict("item.payment_pending.no_charge", "The item is waiting for payment but no payment attempt "
                           "exists.", "Escalate to the payments engineers with the item id.", evidence)
        verdict = ChargeOutcome().explain(charge)
        code = verdict.code.replace("charge.", "item.payment_pending.", 1)
        return Verdict(code, verdict.summary, verdict.next_step, [*evidence, *verdict.evidence],
                       verdict.retry_can_help, tell_the_customer=verdict.tell_the_customer)

    def payment_held(self, item, charge, evidence):
        return Verdict(
            "item.payment_held.risk_review",
            "The payment was received but held for risk review before it goes into escrow.",
            "A lead reviews the buyer and the order, then releases the payment (a task needing a second person) "
            "or refunds it.", evidence, task=SuggestedTask("release-risk-hold", item.pk),
        )

    def payment_deposited(self, item, charge, evidence):
        return Verdict("item.payment_deposited.awaiting_work",
                       "The buyer's payment is in escrow; the seller has not marked the work complete yet.",
                       "Nothing for ops to do: the seller completes the work, then the buyer releases the payment.",
                       evidence)

    def work_completed(self, item, charge, evidence):
        return Verdict("item.work_completed.awaiting_release",
                       "The seller marked the work complete; the buyer has not released the payment yet.",
                       "The platform reminds the buyer to release the payment.", evidence)

    def completed(self, item, disbursement, evidence, read):
        """`read`: the disbursement's batch entry (`entry`) and its seller's `seller_payout_reads`."""
        if disbursement is None:
            return Verdict("item.completed.not_disbursed",
                           "The item is complete but no disbursement to the seller exists yet.",
                           "Look at the seller's page: it says why they are not being paid.", evidence)
        verdict = disbursement_verdict(disbursement, read)
        return Verdict(f"item.completed.{verdict.code}", f"The item is complete. {verdict.summary}", verdict.next_step,
                       [*evidence, *verdict.evidence], verdict.retry_can_help, verdict.task)

    def problem_flagged(self, item, charge, evidence):
        return Verdict("item.problem_flagged.dispute",
                       "The buyer raised a dispute; the money stays in escrow until it is resolved.",
                       "The platform mediates the dispute, then releases or refunds the payment.", evidence)

    def refunded(self, item, charge, evidence):
        return Verdict("item.refunded", "The item was refunded to the buyer.", "Nothing to do.", evidence)

    def cancelled(self, item, charge, evidence):
        return Verdict("item.cancelled", "The item was cancelled before any payment was taken.", "Nothing to do.",
                       evidence)


def bank_transfer_verdict(item, evidence) -> Verdict:
    clock = bank_transfer_clock(chosen_at=item.state_changed_at, currency=item.currency)
    amount = f"{item.buyer_total / 100:,.2f} {item.currency}"
    if clock.overdue():
        return Verdict(
            "item.payment_pending.bank_transfer_overdue",
            f"Overdue by {clock.overdue_by()}: the buyer chose to pay by bank transfer "
            f"{timesince(item.state_changed_at)} ago and the money has not arrived; transfers arrive within "
            f"{BANK_TRANSFER_BUSINESS_DAYS} business days. "
            "Nothing here tells whether the buyer sent it.",
            f"Ask the buyer whether and when they sent {amount} quoting {item.external_id}, and for their bank's "
            "reference; a transfer sent without the reference needs to be found by the payments engineers.", evidence,
            tell_the_customer=f"We have not received your bank transfer of {amount} for {item.external_id}. Please "
                              "tell us when you sent it and your bank's reference for it.",
        )
    return Verdict(
        "item.payment_pending.bank_transfer_not_received",
        f"The buyer chose to pay by bank transfer {timesince(item.state_changed_at)} ago and the money has not "
        "arrived.",
        f"Ask the buyer to transfer {amount} quoting {item.external_id}; transfers take one to two business days "
        f"to arrive, so it is overdue after {moment(clock.due)}.", evidence,
    )


@register
class DisbursementStatus(Explanation):
    model = Disbursement
    question = "Why have these funds not reached the seller?"

    def explain(self, disbursement):
        paid = disbursement.status == Disbursement.Status.PAID
        return disbursement_verdict(disbursement, {} if paid else read_in_one_union({
            "entry": batch_entry_rows(disbursement_id=disbursement.pk),
            **seller_payout_reads(disbursement.seller_id),
        }))


def disbursement_verdict(disbursement, read: dict) -> Verdict:
    """Why the disbursement is where it is. `read`, for a disbursement not yet paid: its batch
    entry (`entry`, from `batch_entry_rows`) and its seller's `seller_payout_reads`."""
    if disbursement.status == Disbursement.Status.PAID:
        return Verdict("disbursement.paid", f"Paid on {day(disbursement.paid_at)}.",
                       "If the seller cannot see it, ask them to check with their bank quoting the reference.",
                       [disbursement_evidence(disbursement)])
    return unpaid_disbursement_verdict(disbursement, entry=next(iter(read["entry"]), None),
                                       seller_blockers=lambda: seller_payout_blockers(disbursement.seller, read))


def disbursement_evidence(disbursement) -> Evidence:
    return Evidence("Disbursement", f"{disbursement.reference} ({disbursement.get_status_display().lower()})",
                    disbursement)


def unpaid_disbursement_verdict(disbursement, *, entry, seller_blockers: Callable[[], list[Verdict]]) -> Verdict:
    """Why a disbursement not yet paid is where it is. `entry`: its latest batch entry with its
    batch, or None; `seller_blockers`: what stops every payout to its seller (payments.explain_payouts)."""
    evidence = [disbursement_evidence(disbursement)]
    if entry:
        evidence.append(Evidence("Batch", f"{entry.batch.reference} ({entry.batch.get_status_display().lower()})",
                                 entry.batch))
    if disbursement.status == Disbursement.Status.RETURNED and entry and entry.return_code:
        return returned_verdict(disbursement, entry, evidence)
    blockers = [*seller_blockers(), *filter(None, [failed_batch_blocker(entry)])]
    if blockers:
        return blocked_payout_verdict(blockers, answer="disbursement", evidence=evidence)
    if disbursement.status == Disbursement.Status.FAILED:
        return Verdict("disbursement.failed",
                       f"The disbursement failed: {disbursement.failure_reason or 'no reason recorded'}.",
                       "Retry the disbursement to the seller's verified bank account.", evidence, retry_can_help=True,
                       task=SuggestedTask("retry-disbursement", disbursement.pk))
    if entry and (lateness := batch_lateness(batch=entry.batch)):
        batch = entry.batch
        return Verdict(
            "disbursement.batch_overdue",
            f"Overdue by {lateness.overdue_by()}: the batch {batch.reference} carrying this disbursement is late for "
            f"its {lateness.awaited}, due {moment(lateness.due, calendar_for(batch.network).time_zone)}.",
            f"Open batch {batch.reference}: its answer says what is late and who can move it. Tell the seller the "
            "payment is delayed, without a new date until the batch moves.", evidence)
    if entry and entry.batch.status in (BatchStatus.SUBMITTED, BatchStatus.ACKNOWLEDGED):
        arrives = day(batch_expected_clearing_date(batch=entry.batch))
        return Verdict("disbursement.in_batch", f"The disbursement is in batch {entry.batch.reference}; the money "
                       f"reaches the seller's bank on {arrives}.", f"Nothing to do: expect it on {arrives}.", evidence)
    return next_payout_verdict(code="disbursement.awaiting_batch", subject=f"Disbursement {disbursement.reference}",
                               currency=disbursement.currency, evidence=evidence)


def returned_verdict(disbursement, entry, evidence) -> Verdict:
    bank_reason = bank_return(entry.batch.network, entry.return_code)
    label = bank_reason.label if bank_reason else "an unknown reason"
    evidence = [*evidence, Evidence("Bank return code", f"{entry.return_code}: {label}", entry)]
    retried = disbursement.retries.first()
    return Verdict(
        f"disbursement.returned.{bank_reason.name if bank_reason else 'unknown'}",
        f"The seller's bank returned the payment: {label} (code {entry.return_code})."
        + (f" {bank_reason.meaning}" if bank_reason else ""),
        (bank_reason.next_step if bank_reason else "Ask the seller to confirm their bank details.")
        + (f" It was already retried as {retried.reference}." if retried else
           " Once the seller has a verified account, retry the disbursement."),
        evidence, retry_can_help=not retried,
        task=None if retried else SuggestedTask("retry-disbursement", disbursement.pk),
    )


@register
class CallbackDeliveryOutcome(Explanation):
    model = Callback
    question = "Why did the platform not receive this callback?"

    def explain(self, callback):
        platform = callback.platform
        deliveries = list(callback.deliveries.order_by("attempt"))
        evidence = [Evidence("Callback URL", platform.callback_url or "none", platform)]
        evidence += [Evidence(f"Attempt {delivery.attempt}",
                              f"{delivery.response_status or 'no response'} in {delivery.response_ms or '—'} ms at "
                              f"{moment(delivery.attempted_at)}" + (f" ({delivery.error})" if delivery.error else ""))
                     for delivery in deliveries[-5:]]
        resend = SuggestedTask("resend-callback", callback.pk)
        if not platform.callbacks_enabled or not platform.callback_url:
            return Verdict("callback.disabled",
                           f"{platform.name} has callbacks turned off or no callback URL, so nothing was sent.",
                           "The platform sets a callback URL in its settings; then resend the callback.", evidence)
        last = deliveries[-1] if deliveries else None
        if callback.status == Callback.Status.DELIVERED and last and last.succeeded:
            return Verdict("callback.delivered",
                           f"It was delivered: {possessive(platform.name)} endpoint answered {last.response_status} "
                           f"on attempt {last.attempt}.",
                           "Ask the platform's developers to check their own logs for it.", evidence)
        if callback.status == Callback.Status.PENDING or last is None:
            return Verdict("callback.queued", "The callback is queued for delivery and has not been attempted yet.",
                           "Nothing to do: it is sent within a minute.", evidence)
        answer = endpoint_answer(status=last.response_status, error=last.error)
        said = answer_text(status=last.response_status, error=last.error)
        attempts = ", ".join(answer_text(status=delivery.response_status, error=delivery.error)
                             for delivery in deliveries)
        what = f"{possessive(platform.name)} endpoint {answer.what.format(answer=said)}"
        tell = answer.tell_the_customer.format(url=platform.callback_url, answer=said)
        if callback.status == Callback.Status.ABANDONED:
            return Verdict("callback.retries_exhausted",
                           f"Every delivery attempt failed ({len(deliveries)} attempts: {attempts}) and we stopped "
                           f"retrying. At the last, {what}.",
                           f"{answer.next_step} Resending is needed: we no longer retry this callback.",
                           evidence, retry_can_help=True, task=resend, tell_the_customer=tell)
        return Verdict(f"callback.{answer.code}", f"{what}. Our {len(deliveries)} attempts got: {attempts}.",
                       answer.next_step, evidence, retry_can_help=answer.retry_can_help, task=resend,
                       tell_the_customer=tell)
