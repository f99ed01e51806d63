"""The five staff roles (Django groups) and the permissions each one holds.

Least privilege: payment data is view-only for every role (writes come only through tasks),
raw technical records (callback payloads and deliveries) are for the people who debug them,
and nobody but a superuser manages staff accounts.
"""

from dataclasses import dataclass

from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.db import transaction

from opsconsole.tasking.permissions import task_permissions_sync


@dataclass(frozen=True)
class Role:
    group_name: str
    demo_username: str
    description: str
    permissions: frozenset[str]


def _view(*models: str) -> frozenset[str]:
    return frozenset(f"{model.split('.')[0]}.view_{model.split('.')[1]}" for model in models)


# Contact details are for the people who contact customers or act on their accounts; the
# auditor only tells customers apart and sees emails masked (accounts/masking.py).
CUSTOMER_CONTACT = frozenset({"accounts.view_customer_contact"})
CUSTOMER_DATA = _view(
    "accounts.platform", "accounts.customer", "accounts.bankaccount", "accounts.cardaccount",
    "accounts.payouthold",
) | CUSTOMER_CONTACT
# A full bank account number, one at a time, with a reason, audited: for the people who settle
# disputes with banks (the lead) and investigate failed payouts (support engineers).
REVEAL_ACCOUNT_NUMBERS = frozenset({"accounts.reveal_bankaccount"})
PAYMENT_DATA = _view(
    "payments.item", "payments.itemstatechange", "payments.fee", "payments.itemfee",
    "payments.charge", "payments.transaction", "payments.disbursement",
    "batches.batch", "batches.batchentry",
)
# The platforms' API request log (and its rollups) is technical data like the callbacks.
TECHNICAL_DATA = _view("payments.callback", "payments.callbackdelivery", "apilog.apirequest", "apilog.apirequestrollup")
TASK_HISTORY = _view("opsconsole.taskrun")


def _manage(*models: str) -> frozenset[str]:
    return frozenset(f"{model.split('.')[0]}.{action}_{model.split('.')[1]}"
                     for model in models for action in ("view", "add", "change"))


# The support workspace: the whole team works tickets (no single-person bottleneck); the
# conversation and links are part of a ticket.
SUPPORT_WORK = _manage("support.ticket", "support.ticketmessage", "support.ticketlink", "support.bug",
                       "support.savedanswer", "support.article") | _view("support.rotaweek")
RAISE_TICKETS = _manage("support.ticket", "support.ticketmessage", "support.ticketlink") | _view(
    "support.article", "support.savedanswer", "support.bug")
RUN_THE_ROTA = _manage("support.rotaweek")
READ_SUPPORT = _view("support.ticket", "support.ticketmessage", "support.ticketlink", "support.bug",
                     "support.article", "support.rotaweek")
APPROVE_TASKS = frozenset({"opsconsole.approve_taskrun"})
# The API changelog answers "did the API change?" for everyone who talks to platforms; developers
# write it (no delete: a wrong entry is corrected, and its history keeps both).
API_CHANGELOG = _view("apilog.apichange")
WRITE_API_CHANGELOG = _manage("apilog.apichange")
AUDIT_TRAIL = _view("audit.auditevent", "audit.auditarchive", "audit.auditverification", "audit.auditreview",
                    "audit.auditreviewmark")
REVIEW_AUDIT_TRAIL = frozenset({"audit.review_auditevent"})
# Task permissions by role: each task has its own (see opsconsole/tasking/permissions.py).
EVERYDAY_TASKS = frozenset({
    "accounts.run_change_email", "accounts.run_place_payout_hold", "accounts.run_release_payout_hold",
    "payments.run_remove_seller_fee", "batches.run_reprocess_batch", "payments.run_retry_disbursement",
    "payments.run_cancel_item", "payments.run_release_risk_hold",
})
# Callbacks are technical records: resending them, one or a platform's failing ones together, is
# for the people who can see them.
TECHNICAL_TASKS = frozenset({"payments.run_resend_callback", "accounts.run_resend_failing_callbacks"})
# Moving off Zendesk or Jira: the people who keep the queue and the bug queue import their exports.
IMPORT_FROM_TRACKERS = frozenset({"support.run_import_tracker_file", "support.view_trackerimport"})

OPS_AGENT = Role(
    "Ops agent", "ops",
    "Finds customers, items and batches, reads explanations, runs low-risk tasks.",
    CUSTOMER_DATA | PAYMENT_DATA | TASK_HISTORY | EVERYDAY_TASKS | RAISE_TICKETS | API_CHANGELOG,
)
OPS_LEAD = Role(
    "Ops lead", "lead",
    "Approves high-risk task requests, reviews the audit history, runs the standup.",
    CUSTOMER_DATA | PAYMENT_DATA | TECHNICAL_DATA | TASK_HISTORY | EVERYDAY_TASKS | TECHNICAL_TASKS | APPROVE_TASKS
    | SUPPORT_WORK | IMPORT_FROM_TRACKERS | RUN_THE_ROTA | AUDIT_TRAIL | REVIEW_AUDIT_TRAIL | REVEAL_ACCOUNT_NUMBERS
    | API_CHANGELOG,
)
SUPPORT_ENGINEER = Role(
    "Support engineer", "engineer",
    "Works the support queue, investigates, files support bugs.",
    CUSTOMER_DATA | PAYMENT_DATA | TECHNICAL_DATA | TASK_HISTORY | EVERYDAY_TASKS | TECHNICAL_TASKS | SUPPORT_WORK
    | IMPORT_FROM_TRACKERS | REVEAL_ACCOUNT_NUMBERS | API_CHANGELOG,
)
DEVELOPER = Role(
    "Developer", "developer",
    "Adds task modules and explanations, fixes support bugs.",
    CUSTOMER_DATA | PAYMENT_DATA | TECHNICAL_DATA | READ_SUPPORT | _manage("support.bug") | WRITE_API_CHANGELOG,
)
AUDITOR = Role(
    "Auditor", "auditor",
    "Reads and exports the audit trail; changes nothing.",
    _view("accounts.platform", "accounts.customer", "payments.item", "batches.batch") | TASK_HISTORY | READ_SUPPORT
    | AUDIT_TRAIL,
)

ROLES = (OPS_AGENT, OPS_LEAD, SUPPORT_ENGINEER, DEVELOPER, AUDITOR)


class UnknownPermission(Exception):
    pass


def _permissions_by_name() -> dict[str, Permission]:
    return {
        f"{permission.content_type.app_label}.{permission.codename}": permission
        for permission in Permission.objects.select_related("content_type")
    }


@transaction.atomic
def roles_sync(*, strict: bool = True) -> list[Group]:
    """Make each role's group hold exactly its permissions. Safe to run any number of times.

    With `strict`, a permission that does not exist is an error. After a migrate it runs
    non-strict, so that a migrate never fails over a role; `manage.py sync_roles` is strict.
    """
    task_permissions_sync()
    existing = _permissions_by_name()
    groups = []
    for role in ROLES:
        group, _ = Group.objects.get_or_create(name=role.group_name)
        permissions = []
        for dotted in sorted(role.permissions):
            permission = existing.get(dotted)
            if permission is None and strict:
                raise UnknownPermission(f"Role {role.group_name!r} names unknown permission {dotted!r}.")
            if permission is not None:
                permissions.append(permission)
        group.permissions.set(permissions)
        groups.append(group)
    return groups


def sync_roles_after_migrate(app_config, **kwargs):
    """post_migrate's receiver. Django sends the signal once for each app with models, in the
    order of INSTALLED_APPS, and each app's permissions are made by its own sending: the roles are
    synced once, after the last app's, when every permission there is exists."""
    if app_config is last_app_with_models():
        roles_sync(strict=False)


def last_app_with_models():
    return [config for config in apps.get_app_configs() if config.models_module is not None][-1]
