"""How many SQL queries a response took, and how long they ran, in its headers."""

import time

from django.db import connection

QUERY_COUNT_HEADER = "X-Query-Count"
QUERY_TIME_HEADER = "X-Query-Time-Ms"


class QueryCounter:
    def __init__(self):
        self.count = 0
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.count += 1
            self.seconds += time.perf_counter() - started


class QueryCountMiddleware:
    """First in the chain, so the session, the user and everything rendered are counted."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        counter = QueryCounter()
        with connection.execute_wrapper(counter):
            response = self.get_response(request)
        response[QUERY_COUNT_HEADER] = str(counter.count)
        response[QUERY_TIME_HEADER] = f"{counter.seconds * 1000:.1f}"
        return response
