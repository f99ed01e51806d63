"""The page a locked-out sign-in gets (django-axes' `AXES_LOCKOUT_CALLABLE`): the console's own
sign-in layout, saying for how long the username is locked at this address."""

from axes.helpers import get_client_username, get_cool_off
from django.contrib import admin
from django.shortcuts import render
from django.urls import reverse

LOCKOUT_STATUS = 429  # Too Many Requests


def lockout_minutes(request) -> int:
    return int(get_cool_off(request).total_seconds() // 60)


def lockout_page(request, original_response=None, credentials=None):
    context = {
        **admin.site.each_context(request),
        "title": "Sign-in locked",
        "username": get_client_username(request, credentials) or "",
        "lockout_minutes": lockout_minutes(request),
        "login_url": reverse("admin:login"),
    }
    return render(request, "axes/lockout.html", context, status=LOCKOUT_STATUS)
