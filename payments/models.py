"""Items held in escrow, the money that moves for them, and the callbacks that report it."""

from django.db import models
from simple_history.models import HistoricalRecords

from accounts.models import BankAccount, CardAccount, Customer, Platform
from opsconsole.money import Currency


class ItemState(models.TextChoices):
    """The escrow flow: pending → payment_required → payment_pending → payment_deposited
    → work_completed → completed, with held, flagged, refunded and cancelled beside it."""

    PENDING = "pending", "Pending"
    PAYMENT_REQUIRED = "payment_required", "Payment required"
    PAYMENT_PENDING = "payment_pending", "Payment pending"
    PAYMENT_DEPOSITED = "payment_deposited", "Payment deposited"
    WORK_COMPLETED = "work_completed", "Work completed"
    COMPLETED = "completed", "Completed"
    PAYMENT_HELD = "payment_held", "Payment held"
    PROBLEM_FLAGGED = "problem_flagged", "Problem flagged"
    REFUNDED = "refunded", "Refunded"
    CANCELLED = "cancelled", "Cancelled"


class PaymentMethod(models.TextChoices):
    CARD = "card", "Card"
    DIRECT_DEBIT = "direct_debit", "Direct debit"
    BANK_TRANSFER = "bank_transfer", "Bank transfer"


class Payer(models.TextChoices):
    BUYER = "buyer", "Buyer"
    SELLER = "seller", "Seller"


class Item(models.Model):
    """A transaction between a buyer and a seller whose payment is held until release."""

    platform = models.ForeignKey(Platform, on_delete=models.PROTECT, related_name="items")
    external_id = models.CharField("external ID", max_length=64, help_text="The platform's own ID for this item.")
    name = models.CharField(max_length=200)
    buyer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="items_bought")
    seller = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="items_sold")
    amount = models.BigIntegerField(help_text="Price in minor units.")
    currency = models.CharField(max_length=3, choices=Currency.choices)
    buyer_fee_amount = models.BigIntegerField("buyer fee", default=0)
    seller_fee_amount = models.BigIntegerField("seller fee", default=0)
    payment_method = models.CharField(max_length=16, choices=PaymentMethod.choices)
    state = models.CharField(max_length=24, choices=ItemState.choices, default=ItemState.PENDING)
    state_changed_at = models.DateTimeField()
    created_at = models.DateTimeField()
    history = HistoricalRecords()

    platform_scope = "platform"

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["platform", "external_id"], name="item_unique_external_id"),
        ]
        indexes = [
            models.Index(fields=["external_id"], name="item_external_id_idx"),
            models.Index(fields=["state", "state_changed_at"], name="item_state_changed_idx"),
            models.Index(fields=["created_at"], name="item_created_idx"),
            # The item list read by when the state changed: sorted so, or limited to a date range.
            models.Index(fields=["state_changed_at"], name="item_state_changed_at_idx"),
        ]

    def __str__(self):
        return f"Item {self.external_id}"

    @property
    def buyer_total(self) -> int:
        return self.amount + self.buyer_fee_amount

    @property
    def seller_net(self) -> int:
        return self.amount - self.seller_fee_amount


class ItemStateChange(models.Model):
    """One step of an item's life, so its whole history can be drawn as a timeline."""

    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="state_changes")
    from_state = models.CharField(max_length=24, choices=ItemState.choices, blank=True)
    to_state = models.CharField(max_length=24, choices=ItemState.choices)
    changed_at = models.DateTimeField()
    cause = models.CharField(max_length=200, help_text="What made the change: an API call, a charge, a batch.")

    platform_scope = "item__platform"

    class Meta:
        ordering = ["changed_at", "id"]
        indexes = [models.Index(fields=["item", "changed_at"], name="itemstatechange_item_idx")]

    def __str__(self):
        return f"{self.from_state or '∅'} → {self.to_state}"


class Fee(models.Model):
    """A fee a platform charges on its items, fixed or a share of the amount."""

    class Kind(models.TextChoices):
        FIXED = "fixed", "Fixed amount"
        PERCENTAGE = "percentage", "Percentage"

    platform = models.ForeignKey(Platform, on_delete=models.PROTECT, related_name="fees")
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    fixed_amount = models.BigIntegerField(default=0, help_text="Minor units, for a fixed fee.")
    basis_points = models.PositiveIntegerField(default=0, help_text="1/100 of a percent, for a percentage fee.")
    cap_amount = models.BigIntegerField("cap", null=True, blank=True, help_text="Most a percentage fee can be.")
    payer = models.CharField(max_length=8, choices=Payer.choices)
    currency = models.CharField(max_length=3, choices=Currency.choices)
    is_active = models.BooleanField("active", default=True)
    history = HistoricalRecords()

    platform_scope = "platform"

    class Meta:
        ordering = ["platform_id", "name"]

    def __str__(self):
        return self.name


class ItemFee(models.Model):
    """A fee applied to one item, with the amount it came to; removed fees keep their row."""

    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="item_fees")
    fee = models.ForeignKey(Fee, on_delete=models.PROTECT, related_name="item_fees")
    payer = models.CharField(max_length=8, choices=Payer.choices)
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3, choices=Currency.choices)
    created_at = models.DateTimeField()
    removed_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    platform_scope = "item__platform"

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["item", "removed_at"], name="itemfee_item_idx")]

    def __str__(self):
        return f"{self.fee} on {self.item}"


class Charge(models.Model):
    """One attempt to take the buyer's money: a card authorisation or a direct debit."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        REQUIRES_ACTION = "requires_action", "Awaiting 3-D Secure"
        SUCCEEDED = "succeeded", "Succeeded"
        DECLINED = "declined", "Declined"
        FAILED = "failed", "Failed"
        REFUNDED = "refunded", "Refunded"

    class DeclineSource(models.TextChoices):
        ISSUER = "issuer", "Card issuer"
        RISK = "risk", "Our risk rules"
        INVALID_REQUEST = "invalid_request", "Invalid request"

    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="charges")
    payer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="charges")
    method = models.CharField(max_length=16, choices=PaymentMethod.choices)
    card_account = models.ForeignKey(CardAccount, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="charges")
    bank_account = models.ForeignKey(BankAccount, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="charges")
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3, choices=Currency.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    gateway_reference = models.CharField(max_length=64, unique=True)
    response_code = models.CharField(max_length=4, blank=True, help_text="ISO 8583 response code from the gateway.")
    decline_source = models.CharField(max_length=16, choices=DeclineSource.choices, blank=True)
    risk_rule = models.CharField(max_length=64, blank=True, help_text="Which of our risk rules declined it.")
    error_message = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    history = HistoricalRecords()

    platform_scope = "item__platform"

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["status", "created_at"], name="charge_status_created_idx"),
            models.Index(fields=["item", "created_at"], name="charge_item_idx"),
            # The charge list's order, newest first, and its date range.
            models.Index(fields=["created_at"], name="charge_created_idx"),
        ]

    def __str__(self):
        return f"Charge {self.gateway_reference}"


class Disbursement(models.Model):
    """Money paid out to a seller's bank account through a credit batch."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for a batch"
        BATCHED = "batched", "In a batch"
        PAID = "paid", "Paid"
        FAILED = "failed", "Failed"
        RETURNED = "returned", "Returned by the bank"

    seller = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="disbursements")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, null=True, blank=True, related_name="disbursements")
    bank_account = models.ForeignKey(BankAccount, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="disbursements")
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3, choices=Currency.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    reference = models.CharField(max_length=32, unique=True)
    failure_reason = models.CharField(max_length=255, blank=True)
    retry_of = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="retries")
    created_at = models.DateTimeField()
    paid_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    platform_scope = "seller__platform"

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["status", "created_at"], name="disbursement_status_idx"),
            models.Index(fields=["seller", "created_at"], name="disbursement_seller_idx"),
            # The disbursement list's order, newest first, and its date range.
            models.Index(fields=["created_at"], name="disbursement_created_idx"),
        ]

    def __str__(self):
        return f"Disbursement {self.reference}"


class Transaction(models.Model):
    """A ledger line. Append-only: corrections are new lines, never edits."""

    class Kind(models.TextChoices):
        PAYMENT = "payment", "Payment received"
        FEE = "fee", "Fee"
        DISBURSEMENT = "disbursement", "Disbursement"
        REFUND = "refund", "Refund"
        RETURN = "return", "Bank return"
        ADJUSTMENT = "adjustment", "Adjustment"

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="transactions")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, null=True, blank=True, related_name="transactions")
    charge = models.ForeignKey(Charge, on_delete=models.PROTECT, null=True, blank=True, related_name="transactions")
    disbursement = models.ForeignKey(Disbursement, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="transactions")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    amount = models.BigIntegerField(help_text="Signed, in minor units: credit to the customer is positive.")
    currency = models.CharField(max_length=3, choices=Currency.choices)
    reference = models.CharField(max_length=40)
    description = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField()

    platform_scope = "customer__platform"

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["customer", "created_at"], name="transaction_customer_idx"),
            models.Index(fields=["reference"], name="transaction_reference_idx"),
            models.Index(fields=["created_at"], name="transaction_created_idx"),
            # The ledger list filtered by kind, newest first: a refund is one line in a thousand.
            models.Index(fields=["kind", "created_at"], name="transaction_kind_created_idx"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.reference}"


class Callback(models.Model):
    """An event the platform is told about at its callback URL."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERED = "delivered", "Delivered"
        FAILING = "failing", "Failing, will retry"
        ABANDONED = "abandoned", "Abandoned after retries"

    platform = models.ForeignKey(Platform, on_delete=models.PROTECT, related_name="callbacks")
    event_type = models.CharField(max_length=64)
    item = models.ForeignKey(Item, on_delete=models.PROTECT, null=True, blank=True, related_name="callbacks")
    payload = models.JSONField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField()
    history = HistoricalRecords()

    platform_scope = "platform"

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["platform", "created_at"], name="callback_platform_idx"),
            models.Index(fields=["status", "created_at"], name="callback_status_idx"),
            # A platform's failing callbacks, counted on its page and resent together in id order:
            # a few rows among millions (payments/ops/resend_failing_callbacks.py).
            models.Index(fields=["platform", "id"], condition=models.Q(status__in=["failing", "abandoned"]),
                         name="callback_failing_idx"),
        ]

    def __str__(self):
        return f"{self.event_type} #{self.pk}"


class CallbackDelivery(models.Model):
    """One attempt to deliver a callback, with what the platform's endpoint answered."""

    callback = models.ForeignKey(Callback, on_delete=models.PROTECT, related_name="deliveries")
    attempt = models.PositiveSmallIntegerField()
    url = models.URLField("URL")
    attempted_at = models.DateTimeField()
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_ms = models.PositiveIntegerField("response time (ms)", null=True, blank=True)
    error = models.CharField(max_length=255, blank=True)

    platform_scope = "callback__platform"

    class Meta:
        ordering = ["callback_id", "attempt"]
        verbose_name_plural = "callback deliveries"
        indexes = [models.Index(fields=["callback", "attempt"], name="cbdelivery_attempt_idx")]

    def __str__(self):
        return f"Attempt {self.attempt} of {self.callback}"

    @property
    def succeeded(self) -> bool:
        return self.response_status is not None and 200 <= self.response_status < 300
