"""Fill a fresh PostgreSQL database with payments data at a chosen size.

    python -m bench.generate --scale default     # 1M customers, 3M items, 10M ledger lines
    python -m bench.generate --scale small       # a thousandth of that, in seconds

The database is `opsconsole_bench` (or `opsconsole_bench_<size>`), made anew from a migrated
template each time. Platforms, fees and staff are made through the ORM, so fields with defaults
are filled as the console would; the bulk of the rows come from server-side SQL
(bench/payments_sql.py) and, for the hash-chained audit trail, a COPY stream.
"""

import argparse
import datetime
import json
import os
import time

from bench.bulk_load import (
    Step,
    drop_secondary_indexes,
    loading_connection,
    log,
    reset_sequences,
    run_steps,
    vacuum_steps,
)
from bench.database import fresh_database
from bench.environment import django_setup_for
from bench.sizes import Size, size_named

PLATFORMS = [
    # client id, name, country, environment, buyer fee (minor units), seller fee (basis points), callbacks
    ("bazaar", "Bazaar Street", "AU", "production", 150, 500, "ok"),
    ("tradie", "TradieHub", "AU", "production", 0, 800, "failing"),
    ("harbour", "Harbour Rentals", "US", "production", 200, 350, "ok"),
    ("makers", "Makers Lane", "AU", "production", 0, 650, "ok"),
    ("tutorly", "Tutorly", "AU", "production", 100, 1000, "none"),
    ("fixit", "FixIt Now", "US", "production", 0, 750, "ok"),
    ("gigdesk", "GigDesk", "US", "production", 250, 500, "none"),
    ("homely", "Homely Services", "AU", "production", 0, 900, "ok"),
    ("snapwed", "SnapWed", "AU", "production", 300, 400, "none"),
    ("sandbox", "Bazaar Street sandbox", "AU", "prelive", 150, 500, "ok"),
    ("harbour-test", "Harbour Rentals staging", "US", "prelive", 200, 350, "none"),
    ("devco", "DevCo test account", "US", "prelive", 0, 300, "none"),
]
BANKS = {"AU": ("Commonwealth Savings", "062000"), "US": ("First Harbor Bank", "021000021")}
# Tables filled in bulk, whose secondary indexes are built after the load.
BULK_TABLES = [
    "accounts_customer", "accounts_bankaccount", "accounts_cardaccount", "accounts_payouthold", "payments_item",
    "payments_itemstatechange", "payments_itemfee", "payments_charge", "batches_batch", "payments_disbursement",
    "batches_batchentry", "payments_transaction", "payments_callback", "payments_callbackdelivery",
    "opsconsole_taskrun", "audit_auditevent",
]
# What each fill statement reads besides the helper tables.
FILL_AFTER = {
    "accounts_customer": set(),
    "accounts_bankaccount": {"accounts_customer"},
    "accounts_cardaccount": {"accounts_customer"},
    "accounts_payouthold": set(),
    "payments_item": set(),
    "payments_itemstatechange": {"payments_item"},
    "payments_itemfee": {"payments_item"},
    "payments_charge": {"payments_item"},
    "batches_batch": set(),
    "payments_disbursement": {"payments_item", "batches_batch"},
    "batches_batchentry": {"payments_disbursement", "payments_charge", "batches_batch"},
    "payments_callback": {"payments_item"},
    "payments_callbackdelivery": {"payments_callback"},
}
# The order to start fills in when several are ready: the longest chain first (items, batches and
# disbursements lead to the ledger, the biggest table).
FILL_ORDER = [
    "payments_item", "batches_batch", "payments_disbursement", "payments_itemstatechange", "payments_charge",
    "accounts_customer", "batches_batchentry", "payments_callback", "payments_itemfee",
    "payments_callbackdelivery", "accounts_bankaccount", "accounts_cardaccount", "accounts_payouthold",
]
MARKER_TABLE = "bench_dataset"


def platforms_create(now: datetime.datetime) -> list[dict]:
    """The platforms and their fees, through the ORM; what the fill statements need of each."""
    from accounts.models import Platform
    from payments.models import Fee, Payer

    rows = []
    for index, (client_id, name, country, environment, buyer_fee, seller_bps, callbacks) in enumerate(PLATFORMS):
        currency = "USD" if country == "US" else "AUD"
        callback_url = f"https://api.{client_id}.example.com/payments/callbacks" if callbacks != "none" else ""
        platform = Platform.objects.create(
            name=name, client_id=client_id, environment=environment, callback_url=callback_url,
            callbacks_enabled=bool(callback_url), features=["items", "direct_debit", "callbacks"],
            created_at=now - datetime.timedelta(days=900 - 30 * index),
        )
        seller_fee = Fee.objects.create(platform=platform, name=f"{name} commission", kind=Fee.Kind.PERCENTAGE,
                                        basis_points=seller_bps, payer=Payer.SELLER, currency=currency)
        buyer_fee_row = None
        if buyer_fee:
            buyer_fee_row = Fee.objects.create(platform=platform, name=f"{name} booking fee", kind=Fee.Kind.FIXED,
                                               fixed_amount=buyer_fee, payer=Payer.BUYER, currency=currency)
        bank_name, routing = BANKS[country]
        rows.append({
            "idx": index, "id": platform.pk, "prefix": client_id[:3], "country": country, "currency": currency,
            "network_index": 1 if country == "US" else 0, "bank_name": bank_name, "routing": routing,
            "buyer_fee": buyer_fee, "seller_bps": seller_bps,
            "buyer_fee_id": buyer_fee_row.pk if buyer_fee_row else None, "seller_fee_id": seller_fee.pk,
            "callbacks": bool(callback_url), "callback_url": callback_url, "failing_callbacks": callbacks == "failing",
        })
    return rows


def staff_create() -> dict:
    """One person per role and a superuser, with no usable password: the benchmark signs them in
    by making their sessions (bench/pages.py)."""
    from django.contrib.auth.models import Group, User

    from opsconsole.roles import ROLES, roles_sync

    roles_sync()
    people = {}
    for role in ROLES:
        user = User.objects.create_user(username=role.demo_username, email=f"{role.demo_username}@ops.example.com",
                                        is_staff=True, first_name=role.demo_username.title(), last_name="Bench")
        user.set_unusable_password()
        user.save(update_fields=["password"])
        user.groups.add(Group.objects.get(name=role.group_name))
        people[role.demo_username] = user
    admin = User.objects.create_superuser(username="admin", email="admin@ops.example.com", password=None)
    people["admin"] = admin
    return people


def fill_steps(shape, people: dict, api_steps: list[Step], rebuild_indexes: list[Step]) -> list[Step]:
    """Every step of the load, in the order to start them when several are ready: the longest
    chain (items, disbursements, the ledger) first, index builds last."""
    from bench.audit_data import audit_steps
    from bench.payments_sql import batch_totals_statement, fill_statements, monthly_fees_statement

    statements = fill_statements(shape, lead_user_id=people["lead"].pk)

    def table_step(table: str) -> Step:
        return Step(f"table {table}", [statements[table]], after={f"table {name}" for name in FILL_AFTER[table]})

    def ledger_top_up(connection):
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM payments_transaction")
            missing = shape.transactions - cursor.fetchone()[0]
            if missing > 0:
                cursor.execute(monthly_fees_statement(shape, missing=missing))

    first, rest = FILL_ORDER[:3], FILL_ORDER[3:]
    return [
        *map(table_step, first),
        *api_steps,
        Step("ledger lines of items", [statements["payments_transaction"]],
             after={"table payments_item", "table payments_disbursement"}),
        Step("table payments_transaction", run=ledger_top_up, after={"ledger lines of items"}),
        *map(table_step, rest),
        Step("batch totals", [batch_totals_statement()], after={"table batches_batchentry", "table batches_batch"}),
        *audit_steps(shape, people),
        *rebuild_indexes,
    ]


def generate(size: Size) -> dict:
    """Make the size's database from scratch; returns what was made and how long it took."""
    started = time.monotonic()
    database = size.database_name
    log(f"Generating {size.name} (×{size.factor:g}) into {database}")
    fresh_database(database)
    django_setup_for(database)
    from bench.apilog_data import api_request_steps
    from bench.payments_sql import HELPER_SCHEMA, helper_statements
    from bench.shape import Shape

    now = datetime.datetime.now(datetime.UTC)
    platforms = platforms_create(now)
    people = staff_create()
    shape = Shape.for_size(size, platforms=len(platforms), now=now)
    connection = loading_connection(database)
    try:
        with connection.cursor() as cursor:
            for statement in helper_statements(shape, platforms):
                cursor.execute(statement)
        api_steps, api_tables = api_request_steps(shape, platforms)
        rebuild = drop_secondary_indexes(connection, BULK_TABLES + api_tables)
        steps = fill_steps(shape, people, api_steps, rebuild)
        steps += vacuum_steps(BULK_TABLES + api_tables, steps)
        durations = run_steps(database, steps)
        if api_steps:
            from apilog.traffic_summary import traffic_changed

            # Loaded without record_requests: summaries a shared cache keeps for these platform ids
            # were worked out on an earlier database.
            traffic_changed(platform["id"] for platform in platforms)
        reset_sequences(connection)
        with connection.cursor() as cursor:
            cursor.execute(f"DROP SCHEMA {HELPER_SCHEMA} CASCADE")
        final_vacuum(connection, bulk_tables=BULK_TABLES + api_tables)
        counts = table_counts(connection)
        seconds = round(time.monotonic() - started, 1)
        record_marker(connection, size, seconds, counts, durations)
    finally:
        connection.close()
    made = ", ".join(f"{table} {count:,}" for table, count in counts.items())
    log(f"Generated {size.name} in {seconds:.0f} s: {made}")
    return {"size": size.name, "factor": size.factor, "database": database, "seconds": seconds, "counts": counts}


def final_vacuum(connection, *, bulk_tables: list[str]) -> None:
    """VACUUM every table, and ANALYZE those not analyzed yet. The bulk tables were vacuumed as
    soon as they were complete; this pass marks the pages whose rows were then still too new to
    be visible to every transaction."""
    log("  final vacuum")
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        for (table,) in cursor.fetchall():
            analyze = "" if table in bulk_tables else " (ANALYZE)"
            cursor.execute(f'VACUUM{analyze} "{table}"')


def table_counts(connection) -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT relname, reltuples::bigint FROM pg_class
            WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace AND reltuples > 0
            ORDER BY reltuples DESC
        """)
        return dict(cursor.fetchall())


def record_marker(connection, size: Size, seconds: float, counts: dict, durations: dict) -> None:
    """A row saying what the database holds, so a later run can reuse it (`--reuse`)."""
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {MARKER_TABLE} (size text, factor float, generated_at timestamptz, "
                       "seconds float, counts jsonb, steps jsonb)")
        cursor.execute(f"INSERT INTO {MARKER_TABLE} VALUES (%s, %s, now(), %s, %s, %s)",
                       [size.name, size.factor, seconds, json.dumps(counts), json.dumps(durations)])


def generated_dataset(database: str) -> dict | None:
    """What `generate` recorded in `database`, or None when it holds no complete dataset."""
    from bench.database import connect, database_exists

    if not database_exists(database):
        return None
    with connect(database) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [MARKER_TABLE])
        if cursor.fetchone()[0] is None:
            return None
        cursor.execute(f"SELECT size, factor, seconds, counts FROM {MARKER_TABLE} ORDER BY generated_at DESC LIMIT 1")
        row = cursor.fetchone()
    if row is None:
        return None
    return {"size": row[0], "factor": row[1], "database": database, "seconds": row[2], "counts": row[3]}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", default="default", help="small, medium, default, or a factor such as 0.1")
    arguments = parser.parse_args(argv)
    try:
        size = size_named(arguments.scale)
    except ValueError as error:
        parser.error(str(error))
    result = generate(size)
    print(json.dumps(result))


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
