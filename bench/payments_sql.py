"""The SQL that fills the payments tables, each statement one `INSERT … SELECT` the server runs
on its own (no row crosses the wire). See bench/shape.py for how the ids relate.

Ids are sparse on purpose, so that a child row's id follows from its parent's: item `i` has
state changes `8i+0…8i+5`, charges `2i` (the payment) and `2i-1` (a declined attempt), fees
`2i` (seller) and `2i-1` (buyer), disbursement `i`, callback `i`, ledger lines `8i+0…8i+6`,
batch entries `2i` (the credit of disbursement `i`) and `2i-1` (the debit of charge `2i`).
A customer's bank account and card both have the customer's id.
"""

from bench.shape import Shape

HELPER_SCHEMA = "bench_gen"

FIRST_NAMES = [
    "Olivia", "Noah", "Charlotte", "Oliver", "Amelia", "Jack", "Isla", "William", "Mia", "Leo", "Ava", "Henry",
    "Grace", "Lucas", "Chloe", "Thomas", "Zoe", "James", "Ruby", "Ethan", "Sofia", "Mateo", "Aisha", "Hiroshi",
    "Priya", "Kwame", "Ingrid", "Tomasz", "Leila", "Diego", "Mei", "Arjun", "Fatima", "Liam", "Hana", "Omar",
    "Elena", "Kai", "Nadia", "Samuel",
]
LAST_NAMES = [
    "Nguyen", "Smith", "Patel", "Williams", "Brown", "Kowalski", "Garcia", "Chen", "Murphy", "Singh", "Taylor",
    "Rossi", "Kim", "Okafor", "Martin", "Haddad", "Walsh", "Lopez", "Ito", "Fraser", "Johansson", "Novak",
    "Ahmed", "Costa", "Dubois", "Schmidt", "Tanaka", "Mensah", "Kaur", "Oliveira", "Ivanova", "Byrne", "Mueller",
    "Santos", "Yilmaz", "Andersen", "Reyes", "Kelly", "Zhang", "Hughes",
]
EMAIL_DOMAINS = ["gmail.example.com", "outlook.example.com", "yahoo.example.com", "icloud.example.com",
                 "bigpond.example.net", "proton.example.org"]
ITEM_NAMES = [
    "Kitchen renovation", "Logo design", "Used road bike", "Bathroom tiling", "Wedding photography",
    "Vintage armchair", "Garden landscaping", "Website build", "Piano lessons (10)", "Moving van hire",
    "Deck staining", "Tax return preparation", "Dog walking (month)", "Roof repair", "Mobile app prototype",
    "Carpet cleaning", "Guitar lessons (5)", "Fence installation", "Copywriting (4 articles)", "Tiling repair",
]
# Out of 100 items, how many are in each state, and how many steps it took to get there.
STATE_WEIGHTS = {
    "completed": (33, 5), "payment_deposited": (12, 3), "work_completed": (8, 4), "payment_required": (14, 1),
    "pending": (8, 0), "payment_pending": (6, 2), "payment_held": (2, 3), "problem_flagged": (2, 4),
    "refunded": (5, 4), "cancelled": (10, 1),
}
# States in which the buyer's money has arrived: the ledger has the payment.
PAID_STATES = ("payment_deposited", "work_completed", "completed", "payment_held", "problem_flagged", "refunded")
ACCEPT = ("payment_required", "Buyer accepted the item (API: PATCH /items/:id/accept)")
PAY = ("payment_pending", "Payment submitted (API: PATCH /items/:id/make_payment)")
DEPOSIT = ("payment_deposited", "Funds received into escrow")
STATE_PATHS = {
    "pending": [],
    "payment_required": [ACCEPT],
    "payment_pending": [ACCEPT, PAY],
    "payment_deposited": [ACCEPT, PAY, DEPOSIT],
    "payment_held": [ACCEPT, PAY, ("payment_held", "Held for risk review: rule high_value_new_buyer")],
    "work_completed": [ACCEPT, PAY, DEPOSIT,
                       ("work_completed", "Seller marked the work complete (API: PATCH /items/:id/request_release)")],
    "completed": [ACCEPT, PAY, DEPOSIT,
                  ("work_completed", "Seller marked the work complete (API: PATCH /items/:id/request_release)"),
                  ("completed", "Buyer released the payment (API: PATCH /items/:id/release_payment)")],
    "problem_flagged": [ACCEPT, PAY, DEPOSIT,
                        ("problem_flagged", "Buyer raised a dispute (API: PATCH /items/:id/raise_dispute)")],
    "refunded": [ACCEPT, PAY, DEPOSIT, ("refunded", "Seller refunded the buyer (API: PATCH /items/:id/refund)")],
    "cancelled": [("cancelled", "Platform cancelled the item (API: PATCH /items/:id/cancel)")],
}
DECLINE_CODES = ["51", "05", "54", "14", "61", "65", "91", "57"]
ACH_RETURN_CODES = ["R01", "R02", "R03", "R04"]
BECS_RETURN_CODES = ["1", "2", "3", "4"]
MONTHLY_FEE = 990
LEDGER_KINDS = ["payment", "fee", "refund", "payment", "fee", "disbursement", "return"]
LEDGER_DESCRIPTIONS = ["", "Buyer fees", "Refunded to the buyer", "Released from escrow", "Seller fees", "",
                       "Returned by the bank"]
# Platforms keep their callback deliveries for this long.
CALLBACK_DAYS = 90


def literal(value) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def text_array(values: list[str]) -> str:
    return "ARRAY[" + ", ".join(literal(value) for value in values) + "]::text[]"


def pick(values: list[str], id_sql: str, salt: int) -> str:
    """One of `values`, chosen by the hash of an id: the same row always gets the same one."""
    return f"({text_array(values)})[{HELPER_SCHEMA}.h({id_sql}, {salt}) % {len(values)} + 1]"


def helper_statements(shape: Shape, platforms: list[dict]) -> list[str]:
    """The helper schema: hash and time functions, and the platforms, states and state paths
    as small tables the fill statements join."""
    s = HELPER_SCHEMA
    p = shape.platforms
    platform_rows = ",\n".join(
        "(" + ", ".join(literal(platform[key]) for key in PLATFORM_COLUMNS) + ")" for platform in platforms
    )
    state_rows, path_rows = [], []
    slot = 0
    for state, (weight, path_len) in STATE_WEIGHTS.items():
        for _ in range(weight):
            state_rows.append(f"({slot}, {literal(state)})")
            slot += 1
        path = [("", "pending", "Item created (API: POST /items)")]
        previous = "pending"
        for to_state, cause in STATE_PATHS[state]:
            path.append((previous, to_state, cause))
            previous = to_state
        for position, (from_state, to_state, cause) in enumerate(path):
            path_rows.append(f"({literal(state)}, {position}, {len(path) - 1}, {literal(from_state)}, "
                             f"{literal(to_state)}, {literal(cause)})")
    assert slot == 100, "state weights must add up to 100"
    return [
        f"DROP SCHEMA IF EXISTS {s} CASCADE",
        f"CREATE SCHEMA {s}",
        f"""CREATE FUNCTION {s}.h(n bigint, salt bigint) RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE
            AS 'SELECT hashint8extended(n, salt) & 9223372036854775807'""",
        f"""CREATE FUNCTION {s}.customer_created(c bigint) RETURNS double precision LANGUAGE sql IMMUTABLE
            AS 'SELECT {shape.customers_start} + ((c - 1) / {p}) * {shape.block_seconds}'""",
        f"""CREATE FUNCTION {s}.is_seller(c bigint) RETURNS boolean LANGUAGE sql IMMUTABLE
            AS 'SELECT ((c - 1) / {p}) % 5 < 2'""",
        f"""CREATE FUNCTION {s}.is_direct_debit_buyer(c bigint) RETURNS boolean LANGUAGE sql IMMUTABLE
            AS 'SELECT ((c - 1) / {p}) % 5 >= 2 AND {s}.h(c, 1) % 10 < 2'""",
        f"""CREATE FUNCTION {s}.seller_account_status(c bigint) RETURNS text LANGUAGE sql IMMUTABLE
            AS 'SELECT CASE {s}.h(c, 12) % 100 WHEN 0 THEN ''invalid'' WHEN 1 THEN ''unverified''
                WHEN 2 THEN ''unverified'' ELSE ''verified'' END'""",
        f"""CREATE FUNCTION {s}.batch_id(network_index int, direction_index int, at timestamptz) RETURNS bigint
            LANGUAGE sql IMMUTABLE
            AS 'SELECT (network_index * 2 + direction_index) * {shape.batch_periods}::bigint
                + least({shape.batch_periods - 1}, greatest(0,
                    floor((extract(epoch FROM at) - {shape.items_start}) / {shape.period_seconds})))::bigint + 1'""",
        f"CREATE TABLE {s}.platform ({', '.join(f'{name} {kind}' for name, kind in PLATFORM_COLUMNS.items())})",
        f"INSERT INTO {s}.platform VALUES {platform_rows}",
        f"CREATE TABLE {s}.item_state (slot bigint PRIMARY KEY, state text)",
        f"INSERT INTO {s}.item_state VALUES {', '.join(state_rows)}",
        f"CREATE TABLE {s}.path_step (state text, pos int, path_len int, from_state text, to_state text, cause text)",
        f"INSERT INTO {s}.path_step VALUES {', '.join(path_rows)}",
        f"""CREATE TABLE {s}.network AS SELECT * FROM (VALUES
            (0, 'becs', 'AU', 'AUD', 'Australia/Sydney'), (1, 'ach', 'US', 'USD', 'America/New_York'))
            AS n(network_index, network, code, currency, tz)""",
        f"ANALYZE {s}.platform, {s}.item_state, {s}.path_step, {s}.network",
    ]


# What the fill statements know about each platform (made with the ORM, see bench/generate.py).
PLATFORM_COLUMNS = {
    "idx": "int", "id": "bigint", "prefix": "text", "country": "text", "currency": "text", "network_index": "int",
    "bank_name": "text", "routing": "text", "buyer_fee": "bigint", "seller_bps": "int", "buyer_fee_id": "bigint",
    "seller_fee_id": "bigint", "callbacks": "boolean", "callback_url": "text", "failing_callbacks": "boolean",
}


def path_length_sql(state_sql: str) -> str:
    cases = " ".join(f"WHEN {literal(state)} THEN {path_len}" for state, (_, path_len) in STATE_WEIGHTS.items())
    return f"(CASE {state_sql} {cases} END)"


def paid_at_sql(item: str) -> str:
    """When the buyer's payment went in: the make_payment step (the second of the item's path),
    for items that got that far; halfway to now for those that did not."""
    path_len = path_length_sql(f"{item}.state")
    return (f"(CASE WHEN {path_len} >= 2 THEN {item}.created_at + ({item}.state_changed_at - {item}.created_at) * 2 "
            f"/ {path_len} ELSE {item}.state_changed_at + (ANCHOR - {item}.state_changed_at) / 2 END)")


def fill_statements(shape: Shape, *, lead_user_id: int) -> dict[str, str]:
    """Table → the statement that fills it."""
    s, p = HELPER_SCHEMA, shape.platforms
    groups = shape.customer_blocks // 5
    anchor = shape.anchor_sql
    year = shape.anchor_datetime.year
    statements = {
        "accounts_customer": f"""
            INSERT INTO accounts_customer (id, platform_id, external_id, kind, email, first_name, last_name,
                                           country, kyc_state, created_at)
            SELECT x.c, pl.id, pl.prefix || '-usr-' || lpad(x.c::text, 8, '0'),
                   CASE WHEN {s}.is_seller(x.c) THEN 'seller' ELSE 'buyer' END,
                   lower(x.first_name || '.' || x.last_name) || '.' || x.c || '@' || x.domain,
                   x.first_name, x.last_name, pl.country,
                   CASE WHEN x.k < 80 THEN 'approved' WHEN x.k < 90 THEN 'pending' WHEN x.k < 97 THEN 'not_started'
                        ELSE 'rejected' END,
                   to_timestamp({s}.customer_created(x.c))
            FROM (SELECT c, {pick(FIRST_NAMES, 'c', 20)} AS first_name, {pick(LAST_NAMES, 'c', 21)} AS last_name,
                         {pick(EMAIL_DOMAINS, 'c', 22)} AS domain, {s}.h(c, 23) % 100 AS k
                  FROM generate_series(1::bigint, {shape.customers}::bigint) c OFFSET 0) x
            JOIN {s}.platform pl ON pl.idx = (x.c - 1) % {p}""",
        "accounts_bankaccount": f"""
            INSERT INTO accounts_bankaccount (id, customer_id, holder_name, bank_name, routing_number, account_number,
                                              country, currency, status, verified_at, created_at)
            SELECT cu.id, cu.id, cu.first_name || ' ' || cu.last_name, pl.bank_name, pl.routing,
                   ({s}.h(cu.id, 15) % 900000000 + 100000000)::text, pl.country, pl.currency, a.status,
                   CASE WHEN a.status = 'verified' THEN cu.created_at + interval '1 day' END,
                   cu.created_at + interval '1 hour'
            FROM accounts_customer cu JOIN {s}.platform pl ON pl.id = cu.platform_id
            CROSS JOIN LATERAL (SELECT CASE WHEN cu.kind = 'seller' THEN {s}.seller_account_status(cu.id)
                                            ELSE 'verified' END AS status) a
            WHERE cu.kind = 'seller' OR {s}.is_direct_debit_buyer(cu.id)""",
        "accounts_cardaccount": f"""
            INSERT INTO accounts_cardaccount (id, customer_id, brand, last_four, expiry_month, expiry_year,
                                              fingerprint, holder_name, is_active, created_at)
            SELECT cu.id, cu.id,
                   {pick(['visa'] * 5 + ['mastercard'] * 3 + ['amex', 'discover'], 'cu.id', 16)},
                   lpad(({s}.h(cu.id, 17) % 10000)::text, 4, '0'), {s}.h(cu.id, 18) % 12 + 1,
                   {year} + {s}.h(cu.id, 19) % 4 + 1, 'fp_' || md5(cu.id::text),
                   cu.first_name || ' ' || cu.last_name, true, cu.created_at + interval '1 hour'
            FROM accounts_customer cu
            WHERE cu.kind = 'buyer' AND NOT {s}.is_direct_debit_buyer(cu.id)""",
        "accounts_payouthold": f"""
            INSERT INTO accounts_payouthold (id, customer_id, reason, placed_by_id, placed_at, released_by_id,
                                             released_at, release_reason)
            SELECT c, c, {pick(['Chargeback investigation', 'KYC documents expired', 'Unusual refund rate'], 'c', 41)},
                   {lead_user_id}, {anchor} - ({s}.h(c, 42) % 20 + 1) * interval '1 day', NULL, NULL, ''
            FROM generate_series(1::bigint, {shape.customers}::bigint) c
            WHERE {s}.is_seller(c) AND {s}.h(c, 14) % 1000 = 0""",
        "payments_item": f"""
            INSERT INTO payments_item (id, platform_id, external_id, name, buyer_id, seller_id, amount, currency,
                                       buyer_fee_amount, seller_fee_amount, payment_method, state,
                                       state_changed_at, created_at)
            SELECT x.i, pl.id, 'itm-' || lpad(x.i::text, 9, '0'), {pick(ITEM_NAMES, 'x.i', 24)},
                   x.buyer, x.seller, x.amount, pl.currency, pl.buyer_fee, x.amount * pl.seller_bps / 10000,
                   CASE WHEN {s}.is_direct_debit_buyer(x.buyer) THEN 'direct_debit'
                        WHEN {s}.h(x.i, 25) % 20 = 0 THEN 'bank_transfer' ELSE 'card' END,
                   st.state,
                   to_timestamp(x.created + {path_length_sql('st.state')}
                                * least(x.step, ({shape.anchor} - x.created) / ({path_length_sql('st.state')} + 1))),
                   to_timestamp(x.created)
            FROM (SELECT i, pi, created, step, amount,
                         (5 * ({s}.h(i, 3) % (newest_group + 1)) + 2 + {s}.h(i, 4) % 3) * {p} + pi + 1 AS buyer,
                         (5 * ({s}.h(i, 5) % (newest_group + 1)) + {s}.h(i, 6) % 2) * {p} + pi + 1 AS seller
                  FROM (SELECT i, {s}.h(i, 2) % {p} AS pi,
                               {shape.items_start} + (i - 1) * {shape.item_seconds} AS created,
                               ({s}.h(i, 7) % 28 + 2) * 3600.0 AS step, ({s}.h(i, 9) % 3980 + 20) * 100 AS amount,
                               least({groups - 1}, (i - 1) * {groups} / {shape.items}) AS newest_group
                        FROM generate_series(1::bigint, {shape.items}::bigint) i OFFSET 0) y OFFSET 0) x
            JOIN {s}.platform pl ON pl.idx = x.pi
            JOIN {s}.item_state st ON st.slot = {s}.h(x.i, 1) % 100""",
        "payments_itemstatechange": f"""
            INSERT INTO payments_itemstatechange (id, item_id, from_state, to_state, changed_at, cause)
            SELECT it.id * 8 + ps.pos, it.id, ps.from_state, ps.to_state,
                   it.created_at + (it.state_changed_at - it.created_at) * ps.pos / greatest(ps.path_len, 1), ps.cause
            FROM payments_item it JOIN {s}.path_step ps ON ps.state = it.state""",
        "payments_itemfee": f"""
            INSERT INTO payments_itemfee (id, item_id, fee_id, payer, amount, currency, created_at, removed_at)
            SELECT it.id * 2 - f.buyer, it.id, CASE WHEN f.buyer = 1 THEN pl.buyer_fee_id ELSE pl.seller_fee_id END,
                   CASE WHEN f.buyer = 1 THEN 'buyer' ELSE 'seller' END,
                   CASE WHEN f.buyer = 1 THEN it.buyer_fee_amount ELSE it.seller_fee_amount END,
                   it.currency, it.created_at, NULL
            FROM payments_item it JOIN {s}.platform pl ON pl.id = it.platform_id CROSS JOIN (VALUES (0), (1)) f(buyer)
            WHERE f.buyer = 0 OR pl.buyer_fee_id IS NOT NULL""",
        "payments_charge": f"""
            INSERT INTO payments_charge (id, item_id, payer_id, method, card_account_id, bank_account_id, amount,
                                         currency, status, gateway_reference, response_code, decline_source,
                                         risk_rule, error_message, created_at, updated_at)
            SELECT a.id, a.item_id, a.payer_id, a.method,
                   CASE WHEN a.method = 'card' THEN a.payer_id END,
                   CASE WHEN a.method = 'direct_debit' THEN a.payer_id END,
                   a.amount, a.currency, a.status, 'ch_' || lpad(a.id::text, 11, '0'),
                   CASE WHEN a.status = 'declined' AND NOT a.risk THEN {pick(DECLINE_CODES, 'a.id', 30)}
                        WHEN a.status <> 'declined' AND a.method = 'card' THEN '00' ELSE '' END,
                   CASE WHEN a.status <> 'declined' THEN '' WHEN a.risk THEN 'risk' ELSE 'issuer' END,
                   CASE WHEN a.status = 'declined' AND a.risk THEN 'velocity_card_24h' ELSE '' END,
                   CASE WHEN a.status = 'declined' THEN 'Card declined' ELSE '' END,
                   a.at, a.at + interval '3 seconds'
            FROM (SELECT it.id * 2 - d.attempt AS id, it.id AS item_id, it.buyer_id AS payer_id,
                         it.payment_method AS method, it.amount + it.buyer_fee_amount AS amount, it.currency,
                         CASE WHEN d.attempt = 1 THEN 'declined'
                              WHEN it.state = 'payment_pending' AND it.payment_method = 'card' THEN 'requires_action'
                              WHEN it.state = 'payment_pending' THEN 'pending'
                              WHEN it.state = 'refunded' THEN 'refunded' ELSE 'succeeded' END AS status,
                         {s}.h(it.id, 31) % 8 = 0 AS risk,
                         {paid_at_sql('it')} - d.attempt * interval '10 minutes' AS at
                  FROM payments_item it CROSS JOIN (VALUES (0), (1)) d(attempt)
                  WHERE it.state NOT IN ('pending', 'cancelled')
                    AND ((d.attempt = 0 AND it.state <> 'payment_required')
                         OR (d.attempt = 1 AND it.payment_method = 'card'
                             AND {s}.h(it.id, 10) % (CASE WHEN it.state = 'payment_required' THEN 3 ELSE 12 END) = 0))
                  OFFSET 0) a""",
        "batches_batch": f"""
            INSERT INTO batches_batch (id, reference, network, direction, currency, status, processing_date,
                                       cutoff_at, submitted_at, acknowledged_at, settled_at, failure_reason,
                                       entry_count, total_amount, created_at)
            SELECT b.id, 'B-' || b.code || b.direction_code || '-' || to_char(b.day, 'YYYYMMDD') || '-'
                         || lpad(b.period::text, 5, '0'),
                   b.network, b.direction, b.currency, b.status, b.day, b.cutoff,
                   CASE WHEN b.status <> 'open' THEN b.cutoff - interval '45 minutes' END,
                   CASE WHEN b.status IN ('acknowledged', 'settled') THEN b.cutoff - interval '20 minutes' END,
                   CASE WHEN b.status = 'settled' THEN b.cutoff + interval '16 hours' END,
                   CASE WHEN b.status = 'failed' THEN 'File rejected by the bank: control totals do not match'
                        ELSE '' END,
                   0, 0, b.cutoff - interval '8 hours'
            FROM (SELECT c.*, CASE WHEN c.cutoff > {anchor} THEN 'open'
                                   WHEN c.cutoff > {anchor} - interval '20 hours' THEN 'acknowledged'
                                   WHEN c.period % 997 = 500 THEN 'failed' ELSE 'settled' END AS status
                  FROM (SELECT d.*, (d.day + time '16:00') AT TIME ZONE d.tz AS cutoff
                        FROM (SELECT e.*, e.local_day + CASE extract(isodow FROM e.local_day) WHEN 6 THEN 2
                                                             WHEN 7 THEN 1 ELSE 0 END AS day
                              FROM (SELECT n.network, n.code, n.currency, n.tz, dir.direction, dir.direction_code,
                                           (n.network_index * 2 + dir.direction_index) * {shape.batch_periods}::bigint
                                               + period + 1 AS id, period,
                                           (period_end AT TIME ZONE n.tz)::date
                                               + CASE WHEN (period_end AT TIME ZONE n.tz)::time > time '16:00'
                                                      THEN 1 ELSE 0 END AS local_day
                                    FROM {s}.network n
                                    CROSS JOIN (VALUES (0, 'debit', 'D'), (1, 'credit', 'C'))
                                        AS dir(direction_index, direction, direction_code)
                                    CROSS JOIN generate_series(0::bigint, {shape.batch_periods - 1}::bigint) period
                                    CROSS JOIN LATERAL (SELECT to_timestamp({shape.items_start}
                                        + (period + 1) * {shape.period_seconds}) AS period_end) pe) e) d) c) b""",
        "payments_disbursement": f"""
            INSERT INTO payments_disbursement (id, seller_id, item_id, bank_account_id, amount, currency, status,
                                               reference, failure_reason, retry_of_id, created_at, paid_at)
            SELECT x.id, x.seller_id, x.id, x.seller_id, x.amount, x.currency, x.status,
                   'D-' || lpad(x.id::text, 9, '0'),
                   CASE WHEN x.status = 'failed' AND x.account = 'invalid' THEN 'The bank account details are invalid'
                        WHEN x.status = 'failed' THEN 'Batch file rejected by the bank'
                        WHEN x.status = 'returned' THEN 'Returned by the bank' ELSE '' END,
                   NULL, x.at, CASE WHEN x.status IN ('paid', 'returned') THEN x.settled_at END
            FROM (SELECT it.id, it.seller_id, it.amount - it.seller_fee_amount AS amount, it.currency, a.account,
                         a.at, b.settled_at,
                         CASE WHEN a.account = 'invalid' THEN 'failed' WHEN a.account = 'unverified' THEN 'pending'
                              WHEN b.status = 'settled' AND {s}.h(it.id, 13) % 200 = 0 THEN 'returned'
                              WHEN b.status = 'settled' THEN 'paid' WHEN b.status = 'failed' THEN 'failed'
                              ELSE 'batched' END AS status
                  FROM payments_item it JOIN {s}.platform pl ON pl.id = it.platform_id
                  CROSS JOIN LATERAL (SELECT least(it.state_changed_at + interval '5 minutes',
                                                   {anchor} - interval '1 minute') AS at,
                                             {s}.seller_account_status(it.seller_id) AS account) a
                  JOIN batches_batch b ON b.id = {s}.batch_id(pl.network_index, 1, a.at)
                  WHERE it.state = 'completed' OFFSET 0) x""",
        "batches_batchentry": f"""
            INSERT INTO batches_batchentry (id, batch_id, direction, customer_id, bank_account_id, charge_id,
                                            disbursement_id, amount, currency, status, trace_number, return_code,
                                            returned_at, validation_error, created_at)
            SELECT e.id, b.id, e.direction, e.customer_id, e.customer_id, e.charge_id, e.disbursement_id, e.amount,
                   e.currency,
                   CASE WHEN b.status = 'settled' AND e.returned THEN 'returned'
                        WHEN b.status = 'settled' THEN 'settled'
                        WHEN b.status = 'open' THEN 'pending' ELSE 'submitted' END,
                   'TR' || lpad(e.id::text, 12, '0'),
                   CASE WHEN NOT e.returned THEN ''
                        WHEN b.network = 'ach' THEN {pick(ACH_RETURN_CODES, 'e.id', 32)}
                        ELSE {pick(BECS_RETURN_CODES, 'e.id', 33)} END,
                   CASE WHEN e.returned THEN least(b.settled_at + interval '1 day', {anchor}) END, '', e.created_at
            FROM (SELECT d.id * 2 AS id, 'credit' AS direction, 1 AS direction_index, d.seller_id AS customer_id,
                         NULL::bigint AS charge_id, d.id AS disbursement_id, d.amount, d.currency, d.created_at,
                         d.status = 'returned' AS returned
                  FROM payments_disbursement d
                  WHERE d.status IN ('batched', 'paid', 'returned')
                     OR (d.status = 'failed' AND d.failure_reason LIKE 'Batch%')
                  UNION ALL
                  SELECT ch.id - 1, 'debit', 0, ch.payer_id, ch.id, NULL, ch.amount, ch.currency, ch.created_at, false
                  FROM payments_charge ch
                  WHERE ch.method = 'direct_debit' AND ch.status IN ('succeeded', 'pending', 'refunded') OFFSET 0) e
            JOIN {s}.platform pl ON pl.idx = (e.customer_id - 1) % {p}
            JOIN batches_batch b ON b.id = {s}.batch_id(pl.network_index, e.direction_index, e.created_at)""",
        "payments_transaction": f"""
            INSERT INTO payments_transaction (id, customer_id, item_id, charge_id, disbursement_id, kind, amount,
                                              currency, reference, description, created_at)
            SELECT it.id * 8 + l.k, l.customer_id, it.id, l.charge_id, l.disbursement_id, l.kind, l.amount,
                   it.currency, 'txn_' || lpad((it.id * 8 + l.k)::text, 10, '0'), l.description, l.at
            FROM (SELECT it.id, it.buyer_id, it.seller_id, it.amount, it.buyer_fee_amount, it.seller_fee_amount,
                         it.state, it.currency, it.state_changed_at, it.state IN {PAID_STATES} AS paid,
                         {paid_at_sql('it')} + interval '3 seconds' AS paid_at
                  FROM payments_item it OFFSET 0) it
            LEFT JOIN payments_disbursement d ON d.id = it.id
            -- Line k of an item, when the item has it: 0 the buyer's payment, 1 the buyer's fee,
            -- 2 a refund, 3 the release to the seller, 4 the seller's fee, 5 the payout, 6 its return.
            JOIN (VALUES (0), (1), (2), (3), (4), (5), (6)) line(k) ON CASE line.k
                WHEN 0 THEN it.paid WHEN 1 THEN it.paid AND it.buyer_fee_amount > 0
                WHEN 2 THEN it.state = 'refunded' WHEN 3 THEN it.state = 'completed'
                WHEN 4 THEN d.id IS NOT NULL AND it.seller_fee_amount > 0
                WHEN 5 THEN d.status IN ('batched', 'paid', 'returned') ELSE d.status = 'returned' END
            CROSS JOIN LATERAL (SELECT line.k,
                CASE WHEN line.k < 3 THEN it.buyer_id ELSE it.seller_id END AS customer_id,
                CASE WHEN line.k = 0 THEN it.id * 2 END AS charge_id,
                CASE WHEN line.k >= 5 THEN d.id END AS disbursement_id,
                ({text_array(LEDGER_KINDS)})[line.k + 1] AS kind,
                CASE line.k WHEN 0 THEN it.amount + it.buyer_fee_amount WHEN 1 THEN -it.buyer_fee_amount
                            WHEN 2 THEN -(it.amount + it.buyer_fee_amount) WHEN 3 THEN it.amount
                            WHEN 4 THEN -it.seller_fee_amount WHEN 5 THEN -d.amount ELSE d.amount END AS amount,
                ({text_array(LEDGER_DESCRIPTIONS)})[line.k + 1] AS description,
                CASE WHEN line.k < 2 THEN it.paid_at WHEN line.k < 4 THEN it.state_changed_at
                     WHEN line.k < 6 THEN d.created_at ELSE least(d.paid_at + interval '1 day', {anchor}) END AS at
            ) l""",
        "payments_callback": f"""
            INSERT INTO payments_callback (id, platform_id, event_type, item_id, payload, status, created_at)
            SELECT it.id, it.platform_id, 'item.' || it.state, it.id,
                   ('{{"event": "item.' || it.state || '", "item": {{"id": "' || it.external_id || '", "state": "'
                    || it.state || '"}}}}')::jsonb,
                   CASE WHEN pl.failing_callbacks AND it.state_changed_at > {anchor} - interval '3 days'
                        THEN 'failing' ELSE 'delivered' END,
                   it.state_changed_at
            FROM payments_item it JOIN {s}.platform pl ON pl.id = it.platform_id
            WHERE pl.callbacks AND it.state_changed_at > {anchor} - interval '{CALLBACK_DAYS} days'""",
        "payments_callbackdelivery": f"""
            INSERT INTO payments_callbackdelivery (id, callback_id, attempt, url, attempted_at, response_status,
                                                   response_ms, error)
            SELECT cb.id * 4 + a.attempt, cb.id, a.attempt, pl.callback_url,
                   least(cb.created_at + (2 ^ a.attempt) * interval '5 minutes', {anchor}),
                   CASE WHEN cb.status = 'failing' THEN 500 ELSE 200 END, {s}.h(cb.id * 4 + a.attempt, 40) % 860 + 40,
                   CASE WHEN cb.status = 'failing' THEN 'HTTP 500 Internal Server Error from the platform' ELSE '' END
            FROM payments_callback cb JOIN {s}.platform pl ON pl.id = cb.platform_id
            CROSS JOIN generate_series(1, 3) a(attempt)
            WHERE a.attempt = 1 OR cb.status = 'failing'""",
    }
    return {table: statement.replace("ANCHOR", anchor) for table, statement in statements.items()}


def monthly_fees_statement(shape: Shape, *, missing: int) -> str:
    """Ledger lines that are no item's: each seller's monthly account fee, month after month,
    as many as it takes to reach the size's number of ledger lines."""
    s, p = HELPER_SCHEMA, shape.platforms
    first_id = 8 * (shape.items + 1)
    sellers = shape.sellers
    seller_customer = (f"((5 * ((k % {sellers}) / {2 * p}) + ((k % {sellers}) % {2 * p}) / {p}) * {p}"
                       f" + (k % {sellers}) % {p} + 1)")
    return f"""
        INSERT INTO payments_transaction (id, customer_id, item_id, charge_id, disbursement_id, kind, amount,
                                          currency, reference, description, created_at)
        SELECT {first_id} + x.k, x.c, NULL, NULL, NULL, 'fee', -{MONTHLY_FEE}, pl.currency,
               'txn_' || lpad(({first_id} + x.k)::text, 10, '0'), 'Monthly account fee',
               greatest(to_timestamp({s}.customer_created(x.c)) + interval '1 day',
                        {shape.anchor_sql} - (x.k / {sellers} + 1) * interval '30 days')
        FROM (SELECT k, {seller_customer} AS c FROM generate_series(0::bigint, {missing - 1}::bigint) k) x
        JOIN {s}.platform pl ON pl.idx = (x.c - 1) % {p}"""


def batch_totals_statement() -> str:
    return """
        UPDATE batches_batch b SET entry_count = t.entries, total_amount = t.total
        FROM (SELECT batch_id, count(*) AS entries, sum(amount) AS total FROM batches_batchentry GROUP BY batch_id) t
        WHERE t.batch_id = b.id"""
