from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group, User
from django.template.loader import render_to_string
from django.urls import path
from django.utils.html import format_html
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from unfold.admin import ModelAdmin, StackedInline
from unfold.decorators import display
from unfold.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm

from opsconsole.admin_scripts import AdminScripts
from opsconsole.admin_urls import admin_change_url, run_page_url
from opsconsole.history_admin import CheckedHistoryAdmin
from opsconsole.models import StaffPlatformAccess, TaskRun
from opsconsole.people import person_column
from opsconsole.readonly_admin import ReadOnlyModelAdmin
from opsconsole.second_factor.admin import SecondFactorUserAdminMixin
from opsconsole.tasking.base import diff_rows
from opsconsole.tasking.forms import DecisionForm, in_console_style
from opsconsole.tasking.selectors import task_run_awaits_decision_by, task_run_resumable_by, task_run_waits_for_queue
from opsconsole.tasking.views import task_run_decide, task_run_resume_view

admin.site.unregister(User)
admin.site.unregister(Group)
# django-otp's own screens show every authenticator's key and every recovery code: a person's
# second factor is seen and reset from their user page instead.
admin.site.unregister(TOTPDevice)
admin.site.unregister(StaticDevice)


class PlatformAccessInline(StackedInline):
    """Limits the person to some platforms' data; without it they see every platform."""

    model = StaffPlatformAccess
    fields = ("platforms",)
    autocomplete_fields = ("platforms",)  # the platform list may be long: search it
    verbose_name = "platform restriction"
    verbose_name_plural = "Platform restriction (none: sees every platform)"
    max_num = 1


@admin.register(User)
class StaffUserAdmin(SecondFactorUserAdminMixin, BaseUserAdmin, ModelAdmin, AdminScripts):
    form = UserChangeForm
    add_form = UserCreationForm
    change_password_form = AdminPasswordChangeForm
    inlines = (PlatformAccessInline,)


@admin.register(StaffPlatformAccess)
class StaffPlatformAccessAdmin(CheckedHistoryAdmin, ModelAdmin, AdminScripts):
    """Who is limited to which platforms, with every change to it; set on the person's page."""

    list_display = ("user_name", "platform_names")
    list_select_related = ("user",)
    search_fields = ("user__username",)
    autocomplete_fields = ("platforms",)
    raw_id_fields = ("user",)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("platforms")

    user_name = person_column("user", description="person")

    @admin.display(description="platforms")
    def platform_names(self, access):
        return ", ".join(platform.name for platform in access.platforms.all()) or "none"


@admin.register(Group)
class RoleAdmin(BaseGroupAdmin, ModelAdmin, AdminScripts):
    pass


RUN_STATUS_LABELS = {
    TaskRun.Status.AWAITING_APPROVAL: "warning",
    TaskRun.Status.QUEUED: "info",
    TaskRun.Status.RUNNING: "info",
    TaskRun.Status.SUCCEEDED: "success",
    TaskRun.Status.REJECTED: "danger",
    TaskRun.Status.DECLINED: "danger",
    TaskRun.Status.FAILED: "danger",
}


RUN_DETAILS_HEADING = "Details"
# How the run was carried out, for whoever investigates one: not what a person asks of a run.
RUN_DETAILS = ("task_slug", "source", "ip_address", "user_agent", "params", "idempotency_key", "started_at",
               "finished_at", "dispatched_at", "heartbeat_at", "attempts", "chunks_committed", "checkpoint", "tally")


@admin.register(TaskRun)
class TaskRunAdmin(ReadOnlyModelAdmin):
    """The audit trail of task runs, read-only for everyone; an approver decides waiting runs
    from a run's page (`task_run_decide`)."""

    list_display = ("run_number", "status_label", "task", "target_link", "requested_by_name", "approver_name",
                    "requested_at", "duration")
    list_filter = ("status", "task_slug", "source")
    list_select_related = ("requested_by", "approver", "target_type")
    detail_select_related = ("requested_by", "approver", "target_type", "blocked_by")
    search_fields = ("=target_id", "=ticket_reference")
    search_help_text = "An exact target ID or ticket reference."
    readonly_fields = ("run_number", "status_label", "task", "target_link", "requested_by_name", "approver_name",
                       "diff_table", "blocked_by_link", "duration", "progress")
    change_form_outer_before_template = "opsconsole/tasking/run_summary.html"

    requested_by_name = person_column("requested_by", description="requested by")
    approver_name = person_column("approver", description="approver")

    def get_fieldsets(self, request, obj=None):
        """What a person reads first: what ran, on what, asked by whom and why, what came of it,
        what it changed, how far it got and who decided it; the machinery behind it (where the
        request came from, the raw parameters, the idempotency key, checkpoint and heartbeat) under
        a closed "Details"."""
        essentials = ["status", "task", "target_link", "requested_by_name", "requested_at", "reason",
                      "ticket_reference", "outcome", "diff_table"]
        if obj is not None and obj.progress_total:
            essentials.append("progress")
        if obj is not None and obj.approver_id:
            essentials += ["approver_name", "decided_at", "approval_comment"]
        if obj is not None and obj.blocked_by_id:
            essentials.append("blocked_by_link")
        essentials.append("duration")
        return ((None, {"fields": essentials}),
                (RUN_DETAILS_HEADING, {"classes": ("collapse",), "fields": RUN_DETAILS}))

    def has_view_permission(self, request, obj=None):
        """Whoever asked for a run may see it, with or without the audit trail's permission."""
        own_run = obj is not None and obj.requested_by_id == request.user.pk
        return own_run or super().has_view_permission(request, obj)

    def get_urls(self):
        decide = self.admin_site.admin_view(task_run_decide)
        resume = self.admin_site.admin_view(task_run_resume_view)
        return [path("<int:run_id>/decide/", decide, name="opsconsole_taskrun_decide"),
                path("<int:run_id>/resume/", resume, name="opsconsole_taskrun_resume"), *super().get_urls()]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and task_run_awaits_decision_by(run=obj, user=request.user):
            context["decision_form"] = in_console_style(DecisionForm())
        if obj is not None:
            context["may_resume"] = task_run_resumable_by(run=obj, user=request.user)
            context["waits_for_queue"] = task_run_waits_for_queue(run=obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    @admin.display(description="run", ordering="id")
    def run_number(self, run):
        return f"#{run.pk}"

    @admin.display(description="task", ordering="task_title")
    def task(self, run):
        return run.task_title

    @display(description="status", ordering="status", label=RUN_STATUS_LABELS)
    def status_label(self, run):
        return run.status, run.get_status_display()

    @admin.display(description="target")
    def target_link(self, run):
        shown = run.target_repr or run.target_id
        url = run.target_type and admin_change_url(
            app_label=run.target_type.app_label, model_name=run.target_type.model, pk=run.target_id
        )
        return format_html('<a href="{}" class="text-primary-600">{}</a>', url, shown) if url else shown

    @admin.display(description="changes")
    def diff_table(self, run):
        target_model = run.target_type.model_class() if run.target_type_id else None
        applied = render_to_string("opsconsole/tasking/diff_table.html",
                                   {"changes": diff_rows(run.diff, target_model)})
        if not run.preview_differs:
            return applied
        confirmed = render_to_string("opsconsole/tasking/diff_table.html",
                                     {"changes": diff_rows(run.previewed_diff, target_model)})
        return format_html(
            '<p class="mb-2 font-medium">Worked out when it ran, with the record locked:</p>{}'
            '<p class="mb-2 mt-4 font-medium" data-previewed-diff>The preview the requester confirmed (the record '
            'changed in between):</p>{}', applied, confirmed)

    @admin.display(description="refused for")
    def blocked_by_link(self, run):
        if run.blocked_by_id is None:
            return "-"
        return format_html('<a href="{}" class="text-primary-600">{}</a>', run_page_url(run.blocked_by),
                           f"Run #{run.blocked_by_id}, in progress on the same object")

    @admin.display(description="duration", ordering="duration_ms")
    def duration(self, run):
        if run.duration_ms is None:
            return "-"
        return f"{run.duration_ms} ms" if run.duration_ms < 1000 else f"{run.duration_ms / 1000:.1f} s"

    @admin.display(description="progress")
    def progress(self, run):
        return f"{run.progress_done} of {run.progress_total}" if run.progress_total else "-"
