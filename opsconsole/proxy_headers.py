"""Whether a request came over https, as the proxy in front of the console says.

Django believes `X-Forwarded-Proto` (SECURE_PROXY_SSL_HEADER) from whoever sends it, so a client
talking to gunicorn directly could claim https. The header is kept only on requests from the
proxies DJANGO_TRUSTED_PROXIES lists, and removed from every other.
"""

import ipaddress

from django.conf import settings

FORWARDED_PROTO = "HTTP_X_FORWARDED_PROTO"


def from_trusted_proxy(remote_address: str | None) -> bool:
    try:
        address = ipaddress.ip_address(remote_address or "")
    except ValueError:
        return False
    return any(address in network for network in settings.TRUSTED_PROXIES)


class ForwardedProtoFromTrustedProxiesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if FORWARDED_PROTO in request.META and not from_trusted_proxy(request.META.get("REMOTE_ADDR")):
            del request.META[FORWARDED_PROTO]
        return self.get_response(request)
