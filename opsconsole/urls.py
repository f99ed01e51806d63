from django.contrib import admin
from django.urls import path

from opsconsole.views import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("", admin.site.urls),
]
