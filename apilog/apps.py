from django.apps import AppConfig


class ApilogConfig(AppConfig):
    name = "apilog"
    verbose_name = "API log"
