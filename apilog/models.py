"""The platforms' API request log, its hourly and daily rollups, and the API changelog.

The log is the biggest table of all (tens of millions of rows): screens read the rollups and a
few indexed rows of the log, never an aggregate over it.
"""

import re

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from accounts.models import Platform
from apilog.latency import BUCKET_FIELDS, LatencyHistogram


class HttpMethod(models.TextChoices):
    GET = "GET", "GET"
    POST = "POST", "POST"
    PUT = "PUT", "PUT"
    PATCH = "PATCH", "PATCH"
    DELETE = "DELETE", "DELETE"


def endpoint_name(method: str, path: str) -> str:
    return f"{method} {path}"


class ApiRequest(models.Model):
    """One request a platform made to the payments API, as the API gateway logged it.

    `path` is the route template (`/items/:id/make_payment`), so requests to one endpoint group
    together; `client_name` and `client_version` come from the User-Agent (apilog/clients.py).
    Written only by `apilog.services.record_requests`, which keeps the rollups in step.
    """

    # No index of its own: (platform, occurred_at) leads with it.
    platform = models.ForeignKey(Platform, on_delete=models.PROTECT, related_name="api_requests", db_index=False)
    occurred_at = models.DateTimeField()
    environment = models.CharField(max_length=16, choices=Platform.Environment.choices)
    method = models.CharField(max_length=8, choices=HttpMethod.choices)
    path = models.CharField(max_length=200, help_text="The route template, e.g. /items/:id/make_payment.")
    status_code = models.PositiveSmallIntegerField()
    error_code = models.CharField(max_length=64, blank=True)
    error_message = models.CharField(max_length=255, blank=True)
    latency_ms = models.PositiveIntegerField("latency (ms)")
    request_id = models.CharField("request ID", max_length=64, unique=True,
                                  help_text="The ID the API returned in X-Request-Id.")
    client_name = models.CharField(max_length=64, help_text="The SDK, or raw HTTP.")
    client_version = models.CharField(max_length=32, blank=True)
    user_agent = models.CharField(max_length=255, blank=True)

    platform_scope = "platform"

    class Meta:
        ordering = ["-occurred_at"]
        verbose_name = "API request"
        indexes = [
            # The newest requests first, on the list of all platforms' requests.
            models.Index(fields=["occurred_at"], name="apirequest_occurred_at_idx"),
            models.Index(fields=["platform", "occurred_at"], name="apirequest_platform_time_idx"),
            # The platform page's "recent failing requests": a few rows read backwards from the
            # newest, however rare failures are among the platform's millions of requests.
            models.Index(fields=["platform", "occurred_at"], condition=Q(status_code__gte=400),
                         name="apirequest_platform_failed_idx"),
        ]

    def __str__(self):
        return f"{self.endpoint} → {self.status_code} ({self.request_id})"

    @property
    def endpoint(self) -> str:
        return endpoint_name(self.method, self.path)

    @property
    def client(self) -> str:
        return f"{self.client_name} {self.client_version}".strip()

    @property
    def failed(self) -> bool:
        return self.status_code >= 400


class ApiRequestCounts(models.Model):
    """What the hourly and the daily rollups share: the key of a group of requests (platform,
    environment, endpoint, client, status and error code), how many there were, and how fast
    they were answered (a latency histogram, see apilog/latency.py)."""

    # No index of its own: each rollup's unique key leads with it.
    platform = models.ForeignKey(Platform, on_delete=models.PROTECT, related_name="+", db_index=False)
    environment = models.CharField(max_length=16, choices=Platform.Environment.choices)
    method = models.CharField(max_length=8, choices=HttpMethod.choices)
    path = models.CharField(max_length=200)
    client_name = models.CharField(max_length=64)
    client_version = models.CharField(max_length=32, blank=True)
    status_code = models.PositiveSmallIntegerField()
    error_code = models.CharField(max_length=64, blank=True)
    request_count = models.PositiveIntegerField(default=0)
    latency_total_ms = models.BigIntegerField("total latency (ms)", default=0)
    latency_max_ms = models.PositiveIntegerField("longest latency (ms)", default=0)
    # The latency histogram, bucket by bucket (apilog/latency.py BUCKET_FIELDS).
    latency_upto_50ms = models.PositiveIntegerField("answered within 50 ms", default=0)
    latency_upto_100ms = models.PositiveIntegerField("answered within 100 ms", default=0)
    latency_upto_200ms = models.PositiveIntegerField("answered within 200 ms", default=0)
    latency_upto_400ms = models.PositiveIntegerField("answered within 400 ms", default=0)
    latency_upto_800ms = models.PositiveIntegerField("answered within 800 ms", default=0)
    latency_upto_1600ms = models.PositiveIntegerField("answered within 1,600 ms", default=0)
    latency_upto_3200ms = models.PositiveIntegerField("answered within 3,200 ms", default=0)
    latency_over_3200ms = models.PositiveIntegerField("answered in over 3,200 ms", default=0)

    class Meta:
        abstract = True

    @property
    def endpoint(self) -> str:
        return endpoint_name(self.method, self.path)

    @property
    def latency(self) -> LatencyHistogram:
        return LatencyHistogram([getattr(self, name) for name in BUCKET_FIELDS], self.latency_total_ms,
                                self.latency_max_ms)


class ApiRequestRollup(ApiRequestCounts):
    """The requests of one hour with the same platform, environment, endpoint, client, status
    and error code: how many, and how fast."""

    hour = models.DateTimeField(help_text="The start of the hour, UTC.")

    platform_scope = "platform"

    class Meta:
        ordering = ["-id"]
        verbose_name = "API request rollup"
        constraints = [
            # Also the index every read uses: a platform's hours, in order.
            models.UniqueConstraint(
                fields=["platform", "hour", "environment", "method", "path", "client_name", "client_version",
                        "status_code", "error_code"],
                name="apirequestrollup_unique_key",
            ),
        ]

    def __str__(self):
        return f"{endpoint_name(self.method, self.path)} {self.status_code} at {self.hour:%Y-%m-%d %H:00}"


class ApiRequestDailyRollup(ApiRequestCounts):
    """The hourly rollups of one UTC day added up, kept in step with them by the same writes
    (apilog/services.py): the platform page reads a month as thirty rows per group instead of
    seven hundred and twenty."""

    day = models.DateField(help_text="The UTC day.")

    class Meta:
        ordering = ["-id"]
        verbose_name = "API request daily rollup"
        constraints = [
            # Also the index every read uses: a platform's days, in order.
            models.UniqueConstraint(
                fields=["platform", "day", "environment", "method", "path", "client_name", "client_version",
                        "status_code", "error_code"],
                name="apirequestdailyrollup_unique_key",
            ),
        ]

    def __str__(self):
        return f"{endpoint_name(self.method, self.path)} {self.status_code} on {self.day:%Y-%m-%d}"


ENDPOINT_FORMAT = re.compile(rf"^({'|'.join(HttpMethod.values)}) /\S*$")
ENDPOINT_FORMAT_PROBLEM = "Write the endpoint as a method and a route template, e.g. “POST /items”, or leave it empty."


def validate_endpoint(value: str) -> None:
    if value and not ENDPOINT_FORMAT.match(value):
        raise ValidationError(ENDPOINT_FORMAT_PROBLEM)


class ApiChange(models.Model):
    """An entry of the API changelog: what changed in the API, when, on which endpoint (or the
    whole API), and whether it breaks integrations that relied on the old behaviour."""

    changed_at = models.DateTimeField(help_text="When the change reached production.")
    endpoint = models.CharField(max_length=210, blank=True, validators=[validate_endpoint],
                                help_text="“POST /items”, or empty when the change concerns the whole API.")
    summary = models.CharField(max_length=200,
                               help_text="What changed, in one line a platform's developer understands.")
    details = models.TextField(blank=True)
    breaking = models.BooleanField(default=False, help_text="Requests that worked before may now fail.")
    history = HistoricalRecords()

    platform_scope = None  # the API is the same for every platform

    class Meta:
        ordering = ["-changed_at"]
        verbose_name = "API change"
        indexes = [models.Index(fields=["changed_at"], name="apichange_changed_at_idx")]

    def __str__(self):
        where = self.endpoint or "whole API"
        return f"{self.changed_at:%d %b %Y}: {where}: {self.summary}"

    def concerns(self, endpoint: str) -> bool:
        return not self.endpoint or self.endpoint == endpoint
