"""The platform's API clients and their customers, with the accounts money moves through."""

from django.conf import settings
from django.db import models
from django.db.models.functions import Upper
from simple_history.models import HistoricalRecords

from accounts.masking import mask_account_number
from opsconsole.money import Currency


class Platform(models.Model):
    """A marketplace that uses the payments API, in prelive (sandbox) or production."""

    class Environment(models.TextChoices):
        PRELIVE = "prelive", "Prelive"
        PRODUCTION = "production", "Production"

    name = models.CharField(max_length=120)
    client_id = models.CharField("client ID", max_length=64, unique=True, help_text="The API client ID.")
    environment = models.CharField(max_length=16, choices=Environment.choices)
    callback_url = models.URLField("callback URL", blank=True)
    callbacks_enabled = models.BooleanField(default=True)
    features = models.JSONField(default=list, blank=True, help_text="Enabled API features.")
    created_at = models.DateTimeField()
    history = HistoricalRecords()

    platform_scope = "id"  # the platform itself

    class Meta:
        ordering = ["name"]
        # The search box finds a platform by its name, ignoring case (accounts/search.py).
        indexes = [models.Index(Upper("name"), name="platform_name_upper_idx")]

    def __str__(self):
        return f"{self.name} ({self.get_environment_display()})"


class Customer(models.Model):
    """A platform's buyer or seller."""

    class Kind(models.TextChoices):
        BUYER = "buyer", "Buyer"
        SELLER = "seller", "Seller"

    class KycState(models.TextChoices):
        NOT_STARTED = "not_started", "Not started"
        PENDING = "pending", "Pending review"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    platform = models.ForeignKey(Platform, on_delete=models.PROTECT, related_name="customers")
    external_id = models.CharField("external ID", max_length=64, help_text="The platform's own ID for this customer.")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    email = models.EmailField()
    first_name = models.CharField(max_length=80)
    last_name = models.CharField(max_length=80)
    country = models.CharField(max_length=2)
    kyc_state = models.CharField("KYC state", max_length=16, choices=KycState.choices, default=KycState.NOT_STARTED)
    created_at = models.DateTimeField()
    history = HistoricalRecords()

    platform_scope = "platform"

    class Meta:
        ordering = ["-id"]
        permissions = [("view_customer_contact", "Can see customers' contact details unmasked")]
        constraints = [
            models.UniqueConstraint(fields=["platform", "external_id"], name="customer_unique_external_id"),
            # Upper(), because the admin's exact search (email__iexact) compares UPPER(email): one index
            # serves both the search and the rule that an email is used once per platform.
            models.UniqueConstraint(Upper("email"), "platform", name="customer_unique_email_per_platform"),
        ]
        indexes = [
            models.Index(fields=["external_id"], name="customer_external_id_idx"),
            models.Index(fields=["kyc_state", "created_at"], name="customer_kyc_created_idx"),
            # The customer list's order, newest first, and its date range (opsconsole/keyset_pagination.py).
            models.Index(fields=["created_at"], name="customer_created_idx"),
        ]

    def __str__(self):
        # No contact details: this names the customer on every screen, in stored task runs and
        # audit records, to people who may not see the email (accounts/masking.py).
        return f"{self.full_name} ({self.external_id})"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class BankAccount(models.Model):
    """A customer's bank account: debited for direct debits, credited for disbursements."""

    class Status(models.TextChoices):
        UNVERIFIED = "unverified", "Unverified"
        VERIFIED = "verified", "Verified"
        INVALID = "invalid", "Invalid"
        CLOSED = "closed", "Closed"

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="bank_accounts")
    holder_name = models.CharField(max_length=120)
    bank_name = models.CharField(max_length=120)
    routing_number = models.CharField(max_length=16, help_text="ACH routing number or BSB.")
    # Stored in full because the bank batch file needs it; never shown unmasked.
    account_number = models.CharField(max_length=34)
    country = models.CharField(max_length=2)
    currency = models.CharField(max_length=3, choices=Currency.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.UNVERIFIED)
    verified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    history = HistoricalRecords(excluded_fields=["account_number"])

    platform_scope = "customer__platform"

    class Meta:
        ordering = ["-id"]
        permissions = [("reveal_bankaccount", "Can reveal a full bank account number, with a reason")]
        indexes = [models.Index(fields=["customer", "status"], name="bankaccount_cust_status_idx")]

    def __str__(self):
        return f"{self.bank_name} {self.masked_account_number}"

    @property
    def masked_account_number(self) -> str:
        return mask_account_number(self.account_number)


class CardAccount(models.Model):
    """A tokenised card: never the number, only what identifies it to a person."""

    class Brand(models.TextChoices):
        VISA = "visa", "Visa"
        MASTERCARD = "mastercard", "Mastercard"
        AMEX = "amex", "American Express"
        DISCOVER = "discover", "Discover"

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="card_accounts")
    brand = models.CharField(max_length=16, choices=Brand.choices)
    last_four = models.CharField(max_length=4)
    expiry_month = models.PositiveSmallIntegerField()
    expiry_year = models.PositiveSmallIntegerField()
    fingerprint = models.CharField(max_length=64, help_text="Same card, same fingerprint.")
    holder_name = models.CharField(max_length=120)
    is_active = models.BooleanField("active", default=True)
    created_at = models.DateTimeField()
    history = HistoricalRecords()

    platform_scope = "customer__platform"

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["last_four"], name="cardaccount_last_four_idx"),
            models.Index(fields=["fingerprint"], name="cardaccount_fingerprint_idx"),
        ]

    def __str__(self):
        return f"{self.get_brand_display()} •••• {self.last_four} ({self.expiry})"

    @property
    def expiry(self) -> str:
        return f"{self.expiry_month:02d}/{self.expiry_year % 100:02d}"


class PayoutHold(models.Model):
    """Stops disbursements to a seller until released; active while `released_at` is empty."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="payout_holds")
    reason = models.TextField()
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    placed_at = models.DateTimeField()
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    released_at = models.DateTimeField(null=True, blank=True)
    release_reason = models.TextField(blank=True)
    history = HistoricalRecords()

    platform_scope = "customer__platform"

    class Meta:
        ordering = ["-placed_at"]
        indexes = [models.Index(fields=["customer", "released_at"], name="payouthold_active_idx")]

    def __str__(self):
        state = "released" if self.released_at else "active"
        return f"Payout hold on {self.customer_id} ({state})"

    @property
    def is_active(self) -> bool:
        return self.released_at is None
