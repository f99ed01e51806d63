from django.db.models import QuerySet

from accounts.models import Customer, PayoutHold


def customer_using_email(*, platform_id: int, email: str, exclude_pk: int | None = None) -> Customer | None:
    """The customer of this platform whose email matches, ignoring case (as the unique rule does)."""
    customers = Customer.objects.filter(platform_id=platform_id, email__iexact=email)
    if exclude_pk is not None:
        customers = customers.exclude(pk=exclude_pk)
    return customers.first()


def payout_hold_active(*, customer_id: int) -> PayoutHold | None:
    return payout_holds_active(customer_id=customer_id).first()


def payout_holds_active(*, customer_id: int) -> QuerySet:
    """The customer's unreleased holds, newest first (there is at most one), with who placed them."""
    return PayoutHold.objects.filter(customer_id=customer_id, released_at=None).select_related("placed_by")
