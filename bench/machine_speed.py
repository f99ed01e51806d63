"""How fast the machine ran Python during a run, so that runs on different machines (or on one
virtual machine on a slow day) can be read side by side.

The work is fixed and uses none of the console's code: building, encoding, decoding, sorting and
escaping twenty thousand small records, roughly what a page's rendering does. It is timed just
before and just after each page's requests and each job, and at the start and the end of a run; a
machine twice as slow takes twice as long, and so do its pages, both the console's and the stock
admin's.
"""

import html
import json
import statistics
import time

ROUNDS = 5
RECORDS = 20_000


def fixed_work() -> int:
    records = [{"id": number, "email": f"person.{number}@example.com", "amount": number * 7 % 1_000}
               for number in range(RECORDS)]
    decoded = json.loads(json.dumps(records))
    ordered = sorted(decoded, key=lambda record: (record["amount"], record["email"]))
    return len("".join(f"<td>{html.escape(record['email'])}</td>" for record in ordered))


def fixed_work_ms() -> float:
    """The median of a few rounds of the fixed work, in milliseconds; lower is faster."""
    timings = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        fixed_work()
        timings.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(timings), 1)
