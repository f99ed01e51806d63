"""API requests in the console's search box (search/registry.py)."""

from apilog.models import ApiRequest
from search.registry import QueryShape, SearchField, SearchKind, register


def describe_api_request(request: ApiRequest, user) -> tuple[str, str]:
    return f"API request {request.request_id}", (
        f"{request.endpoint} → {request.status_code} from {request.client} on {request.platform.name}, "
        f"{request.occurred_at:%d %b %Y %H:%M}"
    )


register(SearchKind(
    key="api_request", model=ApiRequest, title="API request", plural="API requests", icon="api", order=80,
    fields=(
        SearchField(QueryShape.NUMBER, "pk", "id"),
        SearchField(QueryShape.REFERENCE, "request_id", "request id"),
    ),
    shown=("request_id", "method", "path", "status_code", "client_name", "client_version", "occurred_at",
           "platform_id", "platform__name"),
    describe=describe_api_request,
    found_by="an API request's request id",
))
