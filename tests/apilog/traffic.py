"""API traffic for tests: requests spread evenly over whole UTC days, recorded the production way
(apilog.services.record_requests, which also builds the rollups)."""

import datetime
from itertools import count

from apilog.models import ApiChange
from apilog.services import record_requests

_request_numbers = count(1)

DOTNET_2_3_1 = "payments-sdk-dotnet/2.3.1 (.NET 8.0.4; Windows Server 2022)"
DOTNET_2_4_0 = "payments-sdk-dotnet/2.4.0 (.NET 8.0.6; Windows Server 2022)"
PYTHON_1_9_2 = "payments-sdk-python/1.9.2 (CPython 3.12.3; Linux)"
CURL = "curl/8.5.0"


def utc(day: datetime.date, hour: int = 0, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=datetime.UTC)


def requests_on_days(platform, *, first_day: datetime.date, last_day: datetime.date, per_day: int,
                     endpoint: str = "POST /items", user_agent: str = PYTHON_1_9_2, status_code: int = 201,
                     error_code: str = "", error_message: str = "", latency_ms: int = 120) -> list[dict]:
    """`per_day` requests on each day from `first_day` to `last_day`, evenly spread over the day."""
    method, path = endpoint.split(" ", 1)
    rows = []
    day = first_day
    while day <= last_day:
        for position in range(per_day):
            rows.append({
                "platform": platform,
                "occurred_at": utc(day) + datetime.timedelta(seconds=(position + 0.5) * 86_400 // per_day),
                "environment": platform.environment, "method": method, "path": path, "status_code": status_code,
                "error_code": error_code, "error_message": error_message, "latency_ms": latency_ms,
                "request_id": f"req_test_{next(_request_numbers):08d}", "user_agent": user_agent,
            })
        day += datetime.timedelta(days=1)
    return rows


def record(*row_lists: list[dict]) -> int:
    return record_requests([row for rows in row_lists for row in rows])


def api_change(*, on: datetime.date, endpoint: str, summary: str, breaking: bool, hour: int = 1) -> ApiChange:
    return ApiChange.objects.create(changed_at=utc(on, hour), endpoint=endpoint, summary=summary, breaking=breaking)
