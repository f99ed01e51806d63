from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from unfold.admin import ModelAdmin

from apilog.models import ApiChange, ApiRequest, ApiRequestRollup
from opsconsole.admin_scripts import AdminScripts
from opsconsole.choice_filters import HttpStatusClassFilter
from opsconsole.history_admin import CheckedHistoryAdmin
from opsconsole.readonly_admin import ReadOnlyModelAdmin


def platform_api_page_link(platform) -> str:
    return format_html('<a href="{}" class="text-primary-600 dark:text-primary-500">{}</a>',
                       reverse("platform-api", args=[platform.pk]), platform.name)


@admin.register(ApiRequest)
class ApiRequestAdmin(ReadOnlyModelAdmin):
    list_seek_key = ("-occurred_at", "-id")  # apirequest_occurred_at_idx, then the id
    list_display = ("occurred_at", "platform", "environment", "endpoint", "status_code", "error_code", "latency_ms",
                    "client", "request_id")
    list_filter = ("environment", "method", HttpStatusClassFilter)
    list_select_related = ("platform",)
    # Exact and case-sensitive: the unique index on request_id serves it.
    search_fields = ("request_id__exact",)
    search_help_text = "A request ID, exactly as the platform's developer quotes it."
    detail_select_related = ("platform",)
    fields = ("request_id", "platform_page", "occurred_at", "environment", "method", "path", "status_code",
              "error_code", "error_message", "latency_ms", "client_name", "client_version", "user_agent")
    readonly_fields = ("platform_page",)

    @admin.display(description="endpoint")
    def endpoint(self, request):
        return request.endpoint

    @admin.display(description="client")
    def client(self, request):
        return request.client

    @admin.display(description="platform")
    def platform_page(self, request):
        return platform_api_page_link(request.platform)


@admin.register(ApiRequestRollup)
class ApiRequestRollupAdmin(ReadOnlyModelAdmin):
    list_display = ("hour", "platform", "environment", "endpoint", "client", "status_code", "error_code",
                    "request_count", "p95")
    list_filter = ("environment", "method")
    list_select_related = ("platform",)
    detail_select_related = ("platform",)

    @admin.display(description="endpoint")
    def endpoint(self, rollup):
        return rollup.endpoint

    @admin.display(description="client")
    def client(self, rollup):
        return f"{rollup.client_name} {rollup.client_version}".strip()

    @admin.display(description="p95 (ms, estimated)")
    def p95(self, rollup):
        return rollup.latency.p95_ms


@admin.register(ApiChange)
class ApiChangeAdmin(CheckedHistoryAdmin, ModelAdmin, AdminScripts):
    """The API changelog: developers add and correct entries (each edit kept in its history);
    everyone else who answers platforms reads it."""

    list_display = ("changed_at", "endpoint", "summary", "breaking")
    list_filter = ("breaking",)
    search_fields = ("endpoint", "summary")
    fields = ("changed_at", "endpoint", "summary", "details", "breaking")
