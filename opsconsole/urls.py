from django.contrib import admin
from django.urls import path

from opsconsole.search_views import search_page
from opsconsole.tasking.views import TaskPage
from opsconsole.views import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    # Before the admin's catch-all patterns; behind its login like every other page.
    path("tasks/<slug:slug>/<str:target_id>/", admin.site.admin_view(TaskPage.as_view()), name="task-page"),
    # Also unfold's own search URL: the view hands the command palette's requests on to it.
    path("search/", admin.site.admin_view(search_page), name="console-search"),
    path("", admin.site.urls),
]
