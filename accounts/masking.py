"""Sensitive customer values and who sees them.

A bank account number is masked for everyone; people holding `REVEAL_ACCOUNT_NUMBER` may reveal
one at a time, with a reason, and the reveal is audited (`accounts.services`). A customer's
contact details (the email) are shown in full only to people holding `VIEW_CUSTOMER_CONTACT`:
a role that only needs to tell customers apart (the auditor) sees them masked, on every screen
that shows them (docs/decisions/0008-customer-contact-details-masked-for-the-auditor.md).
"""

REVEAL_ACCOUNT_NUMBER = "accounts.reveal_bankaccount"
VIEW_CUSTOMER_CONTACT = "accounts.view_customer_contact"
MASK = "•••"


def mask_account_number(account_number: str) -> str:
    """Everything but the last four digits hidden, as on every screen of the console."""
    return f"••••{account_number[-4:]}" if len(account_number) > 4 else "••••"


def mask_email(email: str) -> str:
    """`jane.doe@example.com` → `j•••@example.com`: the first letter and the domain, enough to
    tell two addresses apart on a screen, too little to write to the person."""
    local_part, at, domain = email.rpartition("@")
    if not at or not local_part:
        return MASK
    return f"{local_part[0]}{MASK}@{domain}"


def may_see_customer_contact(user) -> bool:
    return user.has_perm(VIEW_CUSTOMER_CONTACT)


def may_reveal_account_number(user) -> bool:
    return user.has_perm(REVEAL_ACCOUNT_NUMBER)


def email_shown_to(user, email: str) -> str:
    """The email as `user` may see it: in full, or masked."""
    return email if may_see_customer_contact(user) else mask_email(email)
