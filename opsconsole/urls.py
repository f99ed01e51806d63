from django.contrib import admin
from django.urls import path

from opsconsole.tasking.views import TaskPage
from opsconsole.views import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    # Before the admin's catch-all patterns; behind its login like every other page.
    path("tasks/<slug:slug>/<str:target_id>/", admin.site.admin_view(TaskPage.as_view()), name="task-page"),
    path("", admin.site.urls),
]
