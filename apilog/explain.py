"""Are this platform's API requests failing, and why? Is it receiving its callbacks? Why did
this API request get the answer it got?"""

from django.utils import timezone

from accounts.models import Platform
from apilog.diagnosis import api_diagnosis
from apilog.models import ApiRequest
from apilog.selectors import (
    ApiWindow,
    api_changes_between,
    platform_callback_deliveries,
    platform_failed_requests,
    platform_traffic,
)
from apilog.traffic_summary import traffic_summary
from apilog.verdicts import api_request_verdict, platform_api_verdict, platform_callbacks_verdict, request_window
from opsconsole.explaining.base import Explanation
from opsconsole.explaining.registry import register


def recent_window() -> ApiWindow:
    return ApiWindow.ending(timezone.now().date())


@register
class PlatformApiRequests(Explanation):
    model = Platform
    question = "Are this platform's API requests failing, and why?"
    reader_permissions = ("apilog.view_apirequest",)

    def explain(self, platform):
        window = recent_window()
        changes = api_changes_between(start=window.start, end=window.end)
        summary = traffic_summary(platform_id=platform.pk, window=window, changes=changes)
        failures = platform_failed_requests(platform=platform, window=window)
        return platform_api_verdict(platform=platform, summary=summary, failures=failures)


@register
class PlatformCallbacks(Explanation):
    model = Platform
    question = "Is this platform receiving its callbacks?"
    reader_permissions = ("payments.view_callbackdelivery",)

    def explain(self, platform):
        window = recent_window()
        deliveries = platform_callback_deliveries(platform=platform, window=window)
        return platform_callbacks_verdict(platform=platform, window=window, deliveries=deliveries)


@register
class ApiRequestOutcome(Explanation):
    model = ApiRequest
    question = "Why did this API request get this answer?"

    def explain(self, request):
        if not request.failed:
            return api_request_verdict(request=request, diagnosis=None)
        window = request_window(request)
        traffic = platform_traffic(platform_id=request.platform_id, window=window, endpoint=request.endpoint)
        diagnosis = api_diagnosis(traffic, api_changes_between(start=window.start, end=window.end))
        return api_request_verdict(request=request, diagnosis=diagnosis)
