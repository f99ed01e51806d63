from django.utils import timezone

from accounts.models import Customer, PayoutHold


def customer_change_email(*, customer: Customer, new_email: str) -> Customer:
    """Set the email; the old one stays in the customer's history."""
    customer.email = new_email
    customer.save(update_fields=["email"])
    return customer


def payout_hold_place(*, seller: Customer, reason: str, placed_by) -> PayoutHold:
    return PayoutHold.objects.create(customer=seller, reason=reason, placed_by=placed_by, placed_at=timezone.now())


def payout_hold_release(*, hold: PayoutHold, released_by, release_reason: str) -> PayoutHold:
    hold.released_by, hold.released_at, hold.release_reason = released_by, timezone.now(), release_reason
    hold.save(update_fields=["released_by", "released_at", "release_reason"])
    return hold
