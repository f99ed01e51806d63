"""The console's URLs, with the stock admin mounted beside them at /stock/."""

from django.urls import path

from bench.stock_admin import stock_site
from config.urls import urlpatterns as console_urlpatterns

urlpatterns = [path("stock/", stock_site.urls), *console_urlpatterns]
