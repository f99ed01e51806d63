"""The task screens: parameters → preview of the diff → reason and confirm → the run's page.

One page serves every registered task. Each step asks the services; the
views only carry what was typed from one step to the next and put each refusal next to the
field it names.
"""

import uuid

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.forms.forms import NON_FIELD_ERRORS
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.views import View
from django.views.decorators.http import require_POST

from opsconsole.admin_urls import record_admin_url, run_page_url, task_page_url
from opsconsole.errors import OpsError
from opsconsole.models import TaskRun
from opsconsole.platform_access import restrict_to_user_platforms
from opsconsole.tasking.base import diff_rows
from opsconsole.tasking.forms import TaskRequestForm, in_console_style
from opsconsole.tasking.registry import registry
from opsconsole.tasking.selectors import task_target
from opsconsole.tasking.services import (
    Origin,
    task_preview,
    task_run_approve,
    task_run_decline,
    task_run_request,
    task_run_resume,
)

# The steps of the page; a form names the step it asks for next.
PARAMETERS, PREVIEW, CONFIRM = "parameters", "preview", "confirm"


def _new_idempotency_key() -> str:
    return uuid.uuid4().hex


def _show_error(form, error: OpsError) -> None:
    """The refusal next to the field it names, or at the top; once, even when the form's own
    validation already says the same."""
    field = error.field if error.field in form.fields else None
    if error.message not in form.errors.get(field or NON_FIELD_ERRORS, []):
        form.add_error(field, error.message)


def _origin(request) -> Origin:
    return Origin(
        user=request.user, source=TaskRun.Source.WEB, ip_address=request.META.get("REMOTE_ADDR"),
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
    )


class TaskPage(View):
    """`tasks/<slug>/<target_id>/` for every registered task, behind the admin's login."""

    template_name = "opsconsole/tasking/task_page.html"

    def dispatch(self, request, *args, slug, target_id, **kwargs):
        self.task, self.target_id = registry.get(slug), target_id
        if self.task is None:
            raise Http404(f"There is no task called {slug!r}.")
        if not request.user.has_perm(self.task.permission_name()):
            self.record_refusal(request)
            raise PermissionDenied
        self.target = task_target(task=self.task, target_id=target_id, user=request.user)
        if self.target is None:
            # Recorded like any refused confirm; the same for a missing object and for one of
            # a platform the person may not see.
            self.record_refusal(request)
            raise Http404(f"There is no {self.task.model._meta.verbose_name} with id {target_id}.")
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        return self.parameters_step(self.task.params_form(self.target, initial=request.GET.dict()))

    def post(self, request, *args, **kwargs):
        if request.POST.get("step") == CONFIRM:
            return self.confirm(request)
        return self.preview_step(request)

    def parameters_step(self, params_form, problem: OpsError | None = None):
        if problem:
            _show_error(params_form, problem)
        return self.render(step=PARAMETERS, params_form=params_form)

    def preview_step(self, request, request_form=None, refusal: OpsError | None = None, in_progress=None):
        params_form = self.task.params_form(self.target, data=request.POST)
        try:
            preview = task_preview(slug=self.task.slug, target_id=self.target_id,
                                   raw_params=self.raw_params(request), user=request.user)
        except OpsError as problem:
            return self.parameters_step(params_form, problem)
        request_form = request_form or TaskRequestForm(
            initial={**request.GET.dict(), "idempotency_key": _new_idempotency_key()})
        if refusal:
            _show_error(request_form, refusal)
        back_url = task_page_url(slug=self.task.slug, target_id=self.target_id,
                                 **{**request.GET.dict(), **self.raw_params(request)})
        return self.render(step=PREVIEW, params_form=params_form, request_form=request_form, preview=preview,
                           preview_rows=diff_rows(preview.changes, self.task.model), run_in_progress=in_progress,
                           back_url=back_url)

    def confirm(self, request):
        request_form = TaskRequestForm(request.POST)
        if not request_form.is_valid():
            return self.preview_step(request, request_form)
        run = self.request_run(request, request_form)
        if run.status != TaskRun.Status.REJECTED:
            return redirect(run_page_url(run))
        # The key now belongs to the refused run: a corrected submit is a new request.
        retry_form = TaskRequestForm({**request.POST.dict(), "idempotency_key": _new_idempotency_key()})
        fields = [*self.task.form_class.base_fields, *TaskRequestForm.base_fields]
        return self.preview_step(request, retry_form, OpsError.from_recorded(run.outcome, fields=fields),
                                 in_progress=run.blocked_by)

    def record_refusal(self, request) -> None:
        """A confirm refused before the page (no permission, no such object) is still recorded,
        as the refused run it is."""
        request_form = TaskRequestForm(request.POST)
        if request.POST.get("step") == CONFIRM and request_form.is_valid():
            self.request_run(request, request_form)

    def request_run(self, request, request_form) -> TaskRun:
        return task_run_request(
            slug=self.task.slug, target_id=self.target_id, raw_params=self.raw_params(request),
            reason=request_form.cleaned_data["reason"], origin=_origin(request),
            ticket_reference=request_form.cleaned_data["ticket_reference"],
            idempotency_key=request_form.cleaned_data["idempotency_key"] or None,
        )

    def raw_params(self, request) -> dict:
        """The task's parameters as typed: one value per field of its form."""
        return {name: request.POST.get(name, "") for name in self.task.form_class.base_fields}

    def render(self, **context):
        for form_name in ("params_form", "request_form"):
            if form_name in context:
                in_console_style(context[form_name])
        meta = self.task.model._meta
        context.update(
            admin.site.each_context(self.request), title=self.task.title, task=self.task,
            object=self.target, target=self.target, target_kind=meta.verbose_name,
            target_url=record_admin_url(self.target),
        )
        return TemplateResponse(self.request, self.template_name, context)


DECISIONS = {"approve": task_run_approve, "decline": task_run_decline}
CHOOSE_A_DECISION = "Choose Approve or Decline."


@require_POST
def task_run_decide(request, run_id: int):
    """An approver approves or declines a waiting run (the `decision` button they pressed); a
    refusal is shown and nothing changes."""
    run = get_object_or_404(restrict_to_user_platforms(TaskRun.objects.all(), request.user), pk=run_id)
    decide = DECISIONS.get(request.POST.get("decision"))
    try:
        if decide is None:
            raise OpsError(CHOOSE_A_DECISION)
        run = decide(run_id=run.pk, approver=request.user, comment=request.POST.get("comment", ""),
                     request=request)
    except OpsError as refusal:
        messages.error(request, refusal.message)
    else:
        went_wrong = run.status in (TaskRun.Status.REJECTED, TaskRun.Status.FAILED)
        messages.add_message(request, messages.WARNING if went_wrong else messages.SUCCESS,
                             f"Run #{run.pk}: {run.get_status_display()}. {run.outcome}")
    return redirect(run_page_url(run))


@require_POST
def task_run_resume_view(request, run_id: int):
    """Someone who may run the task carries a failed background run on from where it stopped."""
    run = get_object_or_404(restrict_to_user_platforms(TaskRun.objects.all(), request.user), pk=run_id)
    try:
        run = task_run_resume(run_id=run.pk, user=request.user, request=request)
    except OpsError as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, f"Run #{run.pk} resumed: it carries on from its last committed chunk.")
    return redirect(run_page_url(run))
