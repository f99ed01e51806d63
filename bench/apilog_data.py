"""The platforms' API request log for the last 90 days, and its hourly and daily rollups, when the
console has the API log (apilog). The hourly rollups are summed from the log with the console's
own buckets (apilog/latency.py), and the daily ones from the hourly, as `rebuild_api_rollups`
would, in one statement each instead of one per day."""

from django.apps import apps

from bench.bulk_load import Step
from bench.payments_sql import HELPER_SCHEMA, literal

LOG_DAYS = 30
ENDPOINTS = [
    ("POST", "/items", 201), ("GET", "/items/:id", 200), ("PATCH", "/items/:id/accept", 200),
    ("PATCH", "/items/:id/make_payment", 200), ("PATCH", "/items/:id/release_payment", 200), ("GET", "/items", 200),
    ("POST", "/users", 201), ("GET", "/users/:id", 200), ("POST", "/bank_accounts", 201),
    ("POST", "/card_accounts", 201), ("GET", "/transactions", 200), ("GET", "/fees", 200),
]
USER_AGENTS = [
    "payments-sdk-dotnet/2.3.1 (.NET 6.0; Windows)", "payments-sdk-dotnet/2.4.0 (.NET 8.0; Linux)",
    "payments-sdk-python/3.1.2 (CPython 3.11)", "payments-sdk-node/5.0.4 (Node.js 20)",
    "payments-sdk-php/1.9.0 (PHP 8.2)", "payments-sdk-java/4.2.1 (Java 17)",
    "payments-sdk-ruby/2.0.3 (Ruby 3.2)", "curl/8.4.0", "python-requests/2.31.0",
]
# Each platform integrates through one SDK (the first ones); a tenth of its requests are raw HTTP.
SDK_CLIENTS = 7
ERRORS = [
    (422, "fee_id_invalid", "fee_id invalid: no active fee with this id"),
    (422, "amount_invalid", "amount must be a positive whole number of cents"),
    (404, "not_found", "No item with this id"),
    (401, "unauthorized", "The access token has expired"),
    (409, "state_conflict", "The item is not in a state that allows this action"),
    (500, "internal_error", "Internal server error"),
    (503, "unavailable", "The service is temporarily unavailable"),
]


def api_request_steps(shape, platforms: list[dict]) -> tuple[list[Step], list[str]]:
    """The steps that fill the log and its rollups, and the tables they fill; none without apilog."""
    if not apps.is_installed("apilog"):
        return [], []
    from accounts.models import Platform
    from apilog.clients import client_from_user_agent
    from apilog.latency import BUCKET_BOUNDS_MS, BUCKET_FIELDS
    from apilog.models import ApiRequest, ApiRequestDailyRollup, ApiRequestRollup

    s = HELPER_SCHEMA
    environments = dict(Platform.objects.values_list("pk", "environment"))
    clients = [client_from_user_agent(agent) for agent in USER_AGENTS]
    client_rows = ", ".join(
        f"({position}, {literal(agent)}, {literal(client.name)}, {literal(client.version)})"
        for position, (agent, client) in enumerate(zip(USER_AGENTS, clients)))
    endpoint_rows = ", ".join(f"({position}, {literal(method)}, {literal(path)}, {status})"
                              for position, (method, path, status) in enumerate(ENDPOINTS))
    error_rows = ", ".join(f"({position}, {status}, {literal(code)}, {literal(message)})"
                           for position, (status, code, message) in enumerate(ERRORS))
    environment_cases = " ".join(f"WHEN {platform['id']} THEN {literal(environments[platform['id']])}"
                                 for platform in platforms)
    log, rollups, daily_rollups = (ApiRequest._meta.db_table, ApiRequestRollup._meta.db_table,
                                   ApiRequestDailyRollup._meta.db_table)
    start = shape.anchor - LOG_DAYS * 86_400
    seconds_each = LOG_DAYS * 86_400 / shape.api_requests
    helpers = [
        f"CREATE TABLE {s}.api_client (idx int, user_agent text, client_name text, client_version text)",
        f"INSERT INTO {s}.api_client VALUES {client_rows}",
        f"CREATE TABLE {s}.api_endpoint (idx int, method text, path text, status int)",
        f"INSERT INTO {s}.api_endpoint VALUES {endpoint_rows}",
        f"CREATE TABLE {s}.api_error (idx int, status int, code text, message text)",
        f"INSERT INTO {s}.api_error VALUES {error_rows}",
    ]
    fill = f"""
        INSERT INTO {log} (id, platform_id, occurred_at, environment, method, path, status_code, error_code,
                           error_message, latency_ms, request_id, client_name, client_version, user_agent)
        SELECT x.r, pl.id, to_timestamp({start} + (x.r - 1) * {seconds_each}),
               CASE pl.id {environment_cases} END, ep.method, ep.path,
               coalesce(er.status, ep.status), coalesce(er.code, ''), coalesce(er.message, ''),
               CASE WHEN {s}.h(x.r, 53) % 100 = 0 THEN 800 + {s}.h(x.r, 54) % 4000
                    ELSE 20 + {s}.h(x.r, 54) % 280 END,
               'req_' || to_hex({s}.h(x.r, 57)) || to_hex(x.r), cl.client_name, cl.client_version, cl.user_agent
        FROM (SELECT r, pi, {s}.h(r, 51) % {len(ENDPOINTS)} AS ei,
                     CASE WHEN {s}.h(r, 52) % 10 > 0 THEN pi % {SDK_CLIENTS}
                          ELSE {SDK_CLIENTS} + {s}.h(r, 52) / 10 % {len(USER_AGENTS) - SDK_CLIENTS} END AS ci,
                     CASE WHEN {s}.h(r, 55) % 50 = 0 THEN {s}.h(r, 56) % {len(ERRORS)} END AS erri
              FROM (SELECT r, {s}.h(r, 50) % {shape.platforms} AS pi
                    FROM generate_series(1::bigint, {shape.api_requests}::bigint) r OFFSET 0) p OFFSET 0) x
        JOIN {s}.platform pl ON pl.idx = x.pi
        JOIN {s}.api_endpoint ep ON ep.idx = x.ei
        JOIN {s}.api_client cl ON cl.idx = x.ci
        LEFT JOIN {s}.api_error er ON er.idx = x.erri"""
    lower_bounds = (None, *BUCKET_BOUNDS_MS)
    upper_bounds = (*BUCKET_BOUNDS_MS, None)
    buckets = []
    for lower, upper in zip(lower_bounds, upper_bounds):
        conditions = [f"latency_ms > {lower}"] * (lower is not None) + [f"latency_ms <= {upper}"] * (upper is not None)
        buckets.append(f"count(*) FILTER (WHERE {' AND '.join(conditions)})")
    key = "platform_id, hour, environment, method, path, client_name, client_version, status_code, error_code"
    summed = f"""
        INSERT INTO {rollups} ({key}, request_count, latency_total_ms, latency_max_ms, {', '.join(BUCKET_FIELDS)})
        SELECT platform_id, date_trunc('hour', occurred_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS hour,
               environment, method, path, client_name, client_version, status_code, error_code,
               count(*), sum(latency_ms), max(latency_ms), {', '.join(buckets)}
        FROM {log} GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9"""
    counted = ("request_count", "latency_total_ms", *BUCKET_FIELDS)
    daily_key = key.replace("hour", "day")
    summed_by_day = f"""
        INSERT INTO {daily_rollups} ({daily_key}, latency_max_ms, {', '.join(counted)})
        SELECT platform_id, (hour AT TIME ZONE 'UTC')::date AS day,
               environment, method, path, client_name, client_version, status_code, error_code,
               max(latency_max_ms), {', '.join(f'sum({name})' for name in counted)}
        FROM {rollups} GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9"""
    steps = [
        Step(f"table {log}", helpers + [fill]),
        Step(f"table {rollups}", [summed], after={f"table {log}"}),
        Step(f"table {daily_rollups}", [summed_by_day], after={f"table {rollups}"}),
    ]
    return steps, [log, rollups, daily_rollups]
