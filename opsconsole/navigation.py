"""The sidebar, arranged by the ops staff's work rather than by Django app.

Find an object, answer a question about it, act on it, work the support queue, audit what
happened. A link is shown only to people allowed to open what it leads to.
"""

from urllib.parse import parse_qsl

from django.conf import settings

from opsconsole.admin_urls import page_url


def can_view(model: str):
    app_label, model_name = model.split(".")

    def has_view_permission(request) -> bool:
        return request.user.has_perm(f"{app_label}.view_{model_name}")

    return has_view_permission


def has_permission(permission: str):
    def has_the_permission(request) -> bool:
        return request.user.has_perm(permission)

    return has_the_permission


def is_superuser(request) -> bool:
    return request.user.is_superuser


def is_showing(url_name: str, query: str):
    """Whether the page is the list filtered by `query`: a filtered link is highlighted only
    there, not on every page of the model as a plain link is."""

    def active(request) -> bool:
        return request.path == page_url(url_name) and all(
            request.GET.get(name) == value for name, value in parse_qsl(query)
        )

    return active


def _link(title: str, icon: str, model: str, *, query: str = "") -> dict:
    """A link to the model's list, optionally filtered (`query` without the `?`)."""
    app_label, model_name = model.split(".")
    changelist = f"admin:{app_label}_{model_name}_changelist"
    link = {"title": title, "icon": icon, "url_name": changelist, "permission": can_view(model)}
    if query:
        link.update(query=query, active=is_showing(changelist, query))
    return link


def _page(title: str, icon: str, url_name: str, *, permission) -> dict:
    """A link to one of the console's own pages (not a model's list)."""
    return {"title": title, "icon": icon, "url_name": url_name, "permission": permission}


SIDEBAR_NAVIGATION = [
    {
        "title": "Find",
        "items": [
            _link("Customers", "person_search", "accounts.customer"),
            _link("Items", "shopping_bag", "payments.item"),
            _link("Platforms", "hub", "accounts.platform"),
        ],
    },
    {
        "title": "Answer",
        "items": [
            _link("Charges", "credit_card", "payments.charge"),
            _link("Disbursements", "payments", "payments.disbursement"),
            _link("Batches", "account_balance", "batches.batch"),
            _link("Batch entries", "receipt_long", "batches.batchentry"),
            _link("Ledger", "menu_book", "payments.transaction"),
            _link("Callbacks", "webhook", "payments.callback"),
            _link("Callback deliveries", "send", "payments.callbackdelivery"),
            _link("API requests", "api", "apilog.apirequest"),
            _link("API changelog", "history_edu", "apilog.apichange"),
        ],
    },
    {
        "title": "Act",
        "items": [
            _link("Payout holds", "front_hand", "accounts.payouthold"),
            _link("Fees on items", "sell", "payments.itemfee"),
            _link("Fee schedule", "percent", "payments.fee"),
            _link("Bank accounts", "account_balance_wallet", "accounts.bankaccount"),
            _link("Cards", "credit_score", "accounts.cardaccount"),
            _link("Task runs", "bolt", "opsconsole.taskrun"),
            _link("Awaiting approval", "pending_actions", "opsconsole.taskrun",
                  query="status__exact=awaiting_approval"),
        ],
    },
    {
        "title": "Support",
        "items": [
            _link("Tickets", "confirmation_number", "support.ticket"),
            _link("New tickets", "inbox", "support.ticket", query="status__exact=new"),
            _page("Triage inbox", "move_to_inbox", "support-triage", permission=can_view("support.ticket")),
            _link("Bug queue", "bug_report", "support.bug"),
            _link("Knowledge base", "menu_book", "support.article"),
            _link("Saved answers", "quickreply", "support.savedanswer"),
            _link("Duty rota", "calendar_month", "support.rotaweek"),
            _page("Standup", "view_kanban", "support-standup", permission=can_view("support.ticket")),
            _page("Reports", "monitoring", "support-reports", permission=can_view("support.ticket")),
        ],
    },
    {
        "title": "Audit",
        "items": [
            _link("Audit trail", "policy", "audit.auditevent"),
            _link("Chain checks", "verified", "audit.auditverification"),
            _link("Archives", "inventory_2", "audit.auditarchive"),
            _page("Daily review", "fact_check", "audit-review", permission=has_permission("audit.review_auditevent")),
            {
                "title": "Staff users",
                "icon": "badge",
                "url_name": "admin:auth_user_changelist",
                "permission": is_superuser,
            },
            {
                "title": "Roles",
                "icon": "groups",
                "url_name": "admin:auth_group_changelist",
                "permission": is_superuser,
            },
        ],
    },
]


# What an item of SIDEBAR_NAVIGATION says that `sidebar_navigation` works out for unfold.
NOT_FOR_UNFOLD = frozenset({"permission", "url_name", "query"})


def link_of(item: dict) -> str:
    url = page_url(item["url_name"])
    return f"{url}?{item['query']}" if item.get("query") else url


def sidebar_navigation(request) -> list[dict]:
    """SIDEBAR_NAVIGATION as `request`'s person sees it (unfold's `UNFOLD["SIDEBAR"]["navigation"]`,
    given as a callable): only the links their permission lets them open, each with its URL
    (`page_url`, reversed once per process, and the list's filter). Given lazy links, unfold would
    reverse each every time it reads it (to decide whether it is the page being shown, then to
    write it) and ask each permission through a lazy object it builds for the purpose."""
    return [
        {**group, "items": [
            {**{key: value for key, value in item.items() if key not in NOT_FOR_UNFOLD}, "link": link_of(item)}
            for item in group["items"] if may_open(item, request)
        ]}
        for group in SIDEBAR_NAVIGATION
    ]


def may_open(item: dict, request) -> bool:
    """A link's `permission` read as unfold reads it: none means everyone, else the callable of
    the request must answer True (the console's links give callables, not import paths)."""
    permission = item.get("permission")
    return permission is None or permission(request) is True


def environment_badge(request):
    if settings.DEBUG:
        return ["Development", "warning"]
    return None
