"""SLA clocks worked out in the support team's business time: 3,000 clocks, each over 37 days
(a month-old ticket's span), starting 37 minutes apart, the way a refresh of the clocks or a
ticket list asks for them.

    python -m bench.business_calendar

Prints a JSON record: the best of five passes and the first (which reads the days' working hours
for the first time), in ms, and per clock.
"""

import datetime
import json
import time

CLOCKS = 3000
SPAN = datetime.timedelta(days=37)
PASSES = 5


def main() -> None:
    from opsconsole.business_calendar import SUPPORT_CALENDAR, business_seconds_between

    first_start = datetime.datetime(2026, 11, 1, 9, 17, tzinfo=datetime.UTC)
    starts = [first_start + datetime.timedelta(minutes=37 * n) for n in range(CLOCKS)]
    passes = []
    for _ in range(PASSES):
        began = time.perf_counter()
        for start in starts:
            business_seconds_between(SUPPORT_CALENDAR, start, start + SPAN)
        passes.append(time.perf_counter() - began)
    best = min(passes)
    print(json.dumps({
        "name": "business_seconds_between", "clocks": CLOCKS, "span_days": SPAN.days,
        "first_ms": round(passes[0] * 1000, 1), "best_ms": round(best * 1000, 1),
        "per_clock_ms": round(best * 1000 / CLOCKS, 3),
    }))


if __name__ == "__main__":
    main()
