"""The platform page: a platform's API traffic, changes, failures and callbacks over a window of
days (apilog/platform_page.py), behind the admin's login (config/urls.py)."""

from urllib.parse import urlencode

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.utils import timezone

from accounts.models import Platform
from apilog.platform_page import VIEW_REQUESTS, api_window_from, platform_api_page
from apilog.selectors import ApiWindow
from opsconsole.platform_access import restrict_to_user_platforms

VIEW_PLATFORMS = "accounts.view_platform"
DAY_CHOICES = (7, 30, 90)


def window_query(window: ApiWindow) -> str:
    return urlencode({"since": window.since.isoformat(), "until": window.until.isoformat()})


def platform_api_view(request, platform_id: int):
    """`?since=YYYY-MM-DD&until=YYYY-MM-DD` (UTC days, by default the last 30)."""
    if not (request.user.has_perm(VIEW_PLATFORMS) and request.user.has_perm(VIEW_REQUESTS)):
        raise PermissionDenied
    platform = get_object_or_404(restrict_to_user_platforms(Platform.objects.all(), request.user), pk=platform_id)
    today = timezone.now().date()
    window, problem = api_window_from(since=request.GET.get("since"), until=request.GET.get("until"), today=today)
    context = {**admin.site.each_context(request), "title": f"{platform.name}: API traffic", "platform": platform,
               "since_asked": request.GET.get("since", ""), "until_asked": request.GET.get("until", ""),
               "day_links": [(days, window_query(ApiWindow.ending(today, days=days))) for days in DAY_CHOICES]}
    if problem:
        return TemplateResponse(request, "apilog/platform_api.html", {**context, "problem": problem}, status=400)
    page = platform_api_page(platform=platform, window=window, user=request.user)
    return TemplateResponse(request, "apilog/platform_api.html", {**context, "page": page})
