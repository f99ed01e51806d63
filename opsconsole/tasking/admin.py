"""Admin glue: each registered task on a model is a button on its objects' pages and an action
on its list, shown only to people who hold the task's permission. Both lead to the task page,
which checks the permission again. On an object's page a task that cannot apply to the object is
shown disabled, with the task's own reason (`OpsTask.validate_target`)."""

from django.contrib import messages
from django.contrib.admin.options import IS_POPUP_VAR
from django.http import HttpResponseRedirect

from opsconsole.admin_urls import task_page_url
from opsconsole.tasking.base import OpsTask
from opsconsole.tasking.selectors import tasks_offered_on, tasks_runnable_by

TASK_ICON = "bolt"
PICK_ONE = "Select exactly one {model} to run “{task}” on: a task acts on one object at a time."


def _open_task_page(task: OpsTask):
    def open_task_page(model_admin, request, queryset):
        selected = list(queryset.values_list("pk", flat=True)[:2])
        if len(selected) != 1:
            model_admin.message_user(
                request, PICK_ONE.format(model=task.model._meta.verbose_name, task=task.title), messages.WARNING
            )
            return None
        return HttpResponseRedirect(task_page_url(slug=task.slug, target_id=selected[0]))

    open_task_page.__name__ = f"run_task_{task.slug.replace('-', '_')}"
    return open_task_page


class TaskActionsMixin:
    """Put it first among a ModelAdmin's bases: `class CustomerAdmin(TaskActionsMixin, ReadOnlyModelAdmin)`.
    Every task registered for the admin's model then appears; nothing is listed by hand. The
    change form's template draws the page's tasks (`task_menu`), as
    templates/opsconsole/detail_page.html does."""

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context["task_menu"] = self.task_menu(request, obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def task_menu(self, request, obj) -> list[dict]:
        """The page header's tasks (templates/opsconsole/tasking/task_menu.html): each with its
        page, or with `refusal`, the reason it cannot apply to `obj`."""
        return [
            {"slug": offer.task.slug, "title": offer.task.title, "icon": TASK_ICON, "refusal": offer.refusal,
             "url": task_page_url(slug=offer.task.slug, target_id=obj.pk)}
            for offer in tasks_offered_on(user=request.user, target=obj)
        ]

    def get_actions(self, request):
        actions = super().get_actions(request)
        if IS_POPUP_VAR in request.GET:
            return actions
        for task in tasks_runnable_by(user=request.user, model=self.model):
            action = _open_task_page(task)
            # Django formats an action's description with %: keep a title's own % literal.
            actions[action.__name__] = (action, action.__name__, task.title.replace("%", "%%"))
        return actions
