from accounts.models import Customer


def customer_using_email(*, platform_id: int, email: str, exclude_pk: int | None = None) -> Customer | None:
    """The customer of this platform whose email matches, ignoring case (as the unique rule does)."""
    customers = Customer.objects.filter(platform_id=platform_id, email__iexact=email)
    if exclude_pk is not None:
        customers = customers.exclude(pk=exclude_pk)
    return customers.first()
