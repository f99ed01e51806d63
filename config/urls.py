from django.contrib import admin
from django.urls import path

from apilog.views import platform_api_view
from audit.review_views import audit_review_page
from opsconsole.second_factor.views import code_step_page, enrolment_page, recovery_codes_page
from opsconsole.tasking.views import TaskPage
from opsconsole.views import healthz
from search.views import search_page
from support import tracker_import_views
from support import views as support_views
from support.knowledge_views import ticket_record_article_view
from support.ticket_action_views import rota_swap_view, ticket_escalate_view, ticket_link_record_view
from support.triage_views import triage_inbox

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    # The sign-in's second step, after the admin's login page (opsconsole/second_factor/).
    path("login/code/", code_step_page, name="signin-code"),
    path("login/enrol/", enrolment_page, name="signin-enrol"),
    path("login/recovery-codes/", admin.site.admin_view(recovery_codes_page), name="signin-recovery-codes"),
    # Before the admin's catch-all patterns; behind its login like every other page.
    path("tasks/<slug:slug>/<str:target_id>/", admin.site.admin_view(TaskPage.as_view()), name="task-page"),
    # Also unfold's own search URL: the view hands the command palette's requests on to it.
    path("search/", admin.site.admin_view(search_page), name="console-search"),
    path("support/standup/", admin.site.admin_view(support_views.standup_page), name="support-standup"),
    path("support/reports/", admin.site.admin_view(support_views.reports_page), name="support-reports"),
    path("support/tickets/<int:ticket_id>/saved-answers/<int:answer_id>/send/",
         admin.site.admin_view(support_views.saved_answer_send), name="support-saved-answer-send"),
    path("support/tickets/<int:ticket_id>/resolve/", admin.site.admin_view(support_views.ticket_resolve_view),
         name="support-ticket-resolve"),
    path("support/triage/", admin.site.admin_view(triage_inbox), name="support-triage"),
    path("support/tickets/<int:ticket_id>/articles/", admin.site.admin_view(ticket_record_article_view),
         name="support-ticket-record-article"),
    path("support/tickets/<int:ticket_id>/links/", admin.site.admin_view(ticket_link_record_view),
         name="support-ticket-link-record"),
    path("support/tickets/<int:ticket_id>/escalate/", admin.site.admin_view(ticket_escalate_view),
         name="support-ticket-escalate"),
    path("support/rota/<int:week_id>/swap/", admin.site.admin_view(rota_swap_view), name="support-rota-swap"),
    path("support/imports/<str:into>/", admin.site.admin_view(tracker_import_views.tracker_import_upload),
         name="support-tracker-import"),
    path("support/imports/<int:import_id>/columns/", admin.site.admin_view(tracker_import_views.tracker_import_mapping),
         name="support-tracker-import-mapping"),
    path("support/imports/<int:import_id>/rows/", admin.site.admin_view(tracker_import_views.tracker_import_rows),
         name="support-tracker-import-rows"),
    path("support/imports/<int:import_id>/rejected-rows.csv",
         admin.site.admin_view(tracker_import_views.tracker_import_rejected_csv),
         name="support-tracker-import-rejected"),
    path("audit/review/", admin.site.admin_view(audit_review_page), name="audit-review"),
    path("platforms/<int:platform_id>/api/", admin.site.admin_view(platform_api_view), name="platform-api"),
    path("", admin.site.urls),
]
