from accounts.models import Customer


def customer_change_email(*, customer: Customer, new_email: str) -> Customer:
    """Set the email; the old one stays in the customer's history."""
    customer.email = new_email
    customer.save(update_fields=["email"])
    return customer
