"""Which pages the benchmark opens in one generated database, and the sessions it opens them with.

    python -m bench.pages --database opsconsole_bench_small    # prints JSON

Each console page is paired with the stock admin page a person would use for the same thing.
The console is used by the ops lead (a real role, with its permission checks); the stock admin
by a superuser, as stock admin usually is. Detail pages show typical records from the middle of
their tables: a completed item with its whole history, its seller, its ledger line, its
disbursement, the batch that paid it.
"""

import argparse
import json
import os
from dataclasses import asdict, dataclass
from urllib.parse import urlencode

LIST, DEEP_LIST, DETAIL, EXACT_SEARCH, PARTIAL_SEARCH = "list", "deep list", "detail", "exact search", "partial search"
CONSOLE_USER, STOCK_USER = "lead", "admin"
STOCK_PER_PAGE = 100


@dataclass(frozen=True)
class Page:
    name: str
    kind: str
    console_url: str
    stock_url: str


def estimated_rows(model) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass", [model._meta.db_table])
        return max(0, cursor.fetchone()[0])


def console_deep_query(model) -> str:
    """Where the console's list continues from the middle of the table, in the list's own order:
    after that row's position (`?after=`) for a list read by keyset, the page number for one read
    by offset."""
    from django.contrib import admin

    from opsconsole.keyset_pagination import AFTER_VAR, SeekKey

    model_admin = admin.site.get_model_admin(model)
    middle = estimated_rows(model) // 2
    if getattr(model_admin, "list_seek_key", None) is None:
        return f"?p={max(1, middle // model_admin.list_per_page)}"
    seek_key = SeekKey(tuple(model_admin.list_seek_key))
    rows = model.objects.order_by(*seek_key.ordering())
    # The planner's estimate can run ahead of a table rows were just deleted from.
    middle_row = rows[middle:middle + 1].first() or rows[rows.count() // 2:].first()
    return f"?{urlencode({AFTER_VAR: seek_key.position_of(middle_row)})}"


def list_pages(label: str, model) -> list[Page]:
    """The first page of a list, and a page in the middle of the table."""
    meta = model._meta
    console = f"/{meta.app_label}/{meta.model_name}/"
    stock = f"/stock/{meta.app_label}/{meta.model_name}/"
    return [
        Page(f"{label} list", LIST, console, stock),
        Page(f"{label} list, deep page", DEEP_LIST, f"{console}{console_deep_query(model)}",
             f"{stock}?p={max(1, estimated_rows(model) // 2 // STOCK_PER_PAGE)}"),
    ]


def detail_page(label: str, record) -> Page:
    meta = record._meta
    path = f"{meta.app_label}/{meta.model_name}/{record.pk}/change/"
    return Page(f"{label} detail", DETAIL, f"/{path}", f"/stock/{path}")


def search_page(name: str, kind: str, query: str, stock_model) -> Page:
    meta = stock_model._meta
    return Page(f"search: {name}", kind, f"/search/?{urlencode({'q': query})}",
                f"/stock/{meta.app_label}/{meta.model_name}/?{urlencode({'q': query})}")


def typical_records() -> dict:
    """A completed item from the middle of the table and the records around it."""
    from audit.models import AuditEvent
    from batches.models import BatchEntry
    from payments.models import Charge, Disbursement, Item, Transaction

    item = (Item.objects.filter(state="completed", id__gte=estimated_rows(Item) // 2)
            .select_related("seller", "platform").order_by("id").first())
    disbursement = Disbursement.objects.filter(item_id=item.pk).first()
    entry = BatchEntry.objects.filter(disbursement_id=disbursement.pk).select_related("batch").first()
    # Charge 2i pays for item i (bench/payments_sql.py): the first card payment after the item's.
    card_charge = (Charge.objects.filter(method="card", status="succeeded", id__gte=item.pk * 2)
                   .select_related("card_account").order_by("id").first())
    return {
        "item": item, "customer": item.seller, "platform": item.platform, "disbursement": disbursement,
        "batch": entry.batch,
        "transaction": Transaction.objects.filter(item_id=item.pk, kind="disbursement").first(),
        "audit_event": AuditEvent.objects.filter(id__gte=estimated_rows(AuditEvent) // 2).order_by("id").first(),
        "card_charge": card_charge,
    }


def partial_email(email: str, customer_id: int) -> str:
    """A part of an email someone remembers: the surname and the start of the number after it
    (`nguyen.123` of `mia.nguyen.123456@…`)."""
    local_part = email.split("@")[0]
    surname = local_part.split(".")[1]
    return f"{surname}.{str(customer_id)[:3]}"


def benchmark_pages() -> list[Page]:
    from django.apps import apps

    from accounts.models import Customer
    from audit.models import AuditEvent
    from batches.models import Batch
    from payments.models import Charge, Disbursement, Item, Transaction

    records = typical_records()
    customer = records["customer"]
    pages = []
    for label, model in [("customers", Customer), ("items", Item), ("transactions", Transaction),
                         ("disbursements", Disbursement), ("batches", Batch), ("audit events", AuditEvent)]:
        pages += list_pages(label, model)
    for label in ("customer", "item", "transaction", "disbursement", "batch", "audit_event", "platform"):
        pages.append(detail_page(label.replace("_", " "), records[label]))
    pages += [
        search_page("id", EXACT_SEARCH, str(records["item"].pk), Item),
        search_page("email", EXACT_SEARCH, customer.email, Customer),
        search_page("reference", EXACT_SEARCH, records["disbursement"].reference, Disbursement),
        search_page("card last four", EXACT_SEARCH, records["card_charge"].card_account.last_four, Charge),
        search_page("partial email", PARTIAL_SEARCH, partial_email(customer.email, customer.pk), Customer),
    ]
    if apps.is_installed("apilog"):
        from apilog.models import ApiRequest

        pages += list_pages("API requests", ApiRequest)
        request = ApiRequest.objects.filter(id__gte=estimated_rows(ApiRequest) // 2).order_by("id").first()
        pages.append(detail_page("API request", request))
        pages.append(search_page("request id", EXACT_SEARCH, request.request_id, ApiRequest))
        pages.append(platform_api_page(platform_taking_callbacks(records["platform"]), ApiRequest))
    return pages


def platform_taking_callbacks(typical):
    """`typical` if it takes callbacks, else the first platform that does: the platform page then
    shows all it can (the offer to resend failing callbacks reads them), at every size alike."""
    from accounts.models import Platform

    if typical.callbacks_enabled and typical.callback_url:
        return typical
    return Platform.objects.filter(callbacks_enabled=True).exclude(callback_url="").order_by("id").first() or typical


def platform_api_page(platform, request_model) -> Page:
    """The platform's API traffic, read from the hourly rollups; stock admin's nearest answer is
    the request list filtered to the platform, newest first."""
    from django.urls import reverse

    meta = request_model._meta
    return Page("platform API page", DETAIL, reverse("platform-api", args=[platform.pk]),
                f"/stock/{meta.app_label}/{meta.model_name}/?{urlencode({'platform__exact': platform.pk})}")


def session_key(username: str) -> str:
    """Signed in as `username`: a session made the way Django's login makes it, verified by the
    person's authenticator app (made for the benchmark if they have none), as after both steps."""
    from django.conf import settings
    from django.contrib.auth.models import User
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    person = User.objects.get(username=username)
    client = Client()
    client.force_login(person, backend="opsconsole.permission_backend.PermissionsInOneQueryBackend")
    session = client.session
    authenticator, _ = TOTPDevice.objects.get_or_create(user=person, confirmed=True, defaults={"name": "Benchmark"})
    session[DEVICE_ID_SESSION_KEY] = authenticator.persistent_id
    session.save()
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="List the benchmark's pages for one database, as JSON.")
    parser.add_argument("--database", required=True)
    parser.add_argument("--client-sessions", type=int, default=0,
                        help="also sign the console's user in this many more times, for concurrent clients")
    arguments = parser.parse_args(argv)
    from bench.environment import django_setup_for

    django_setup_for(arguments.database)
    from django.conf import settings

    print(json.dumps({
        "cookie_name": settings.SESSION_COOKIE_NAME,
        "sessions": {"console": session_key(CONSOLE_USER), "stock": session_key(STOCK_USER)},
        "client_sessions": [session_key(CONSOLE_USER) for _ in range(arguments.client_sessions)],
        "pages": [asdict(page) for page in benchmark_pages()],
    }))


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
