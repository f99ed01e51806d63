"""The demo's API traffic is the same for the same seed and day."""

from io import StringIO

from django.core.management import call_command
from django.db import transaction

from apilog.models import ApiRequest


def seed() -> None:
    call_command("seed_demo", "--scale", "0", "--seed", "11", "--today", "2026-11-27", "--force", stdout=StringIO())


def requests() -> list[tuple]:
    return list(ApiRequest.objects.order_by("request_id").values_list(
        "request_id", "occurred_at", "path", "status_code", "latency_ms", "client_version"))


def test_the_same_seed_and_day_give_the_same_requests(db):
    with transaction.atomic():
        seed()
        first = requests()
        transaction.set_rollback(True)
    seed()
    assert requests() == first and len(first) > 3_000
