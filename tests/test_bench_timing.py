"""The benchmark reports a page's own query count, not that of a sample which also did the
once-a-minute session refresh."""

from bench.http_timing import PageTiming


def test_a_pages_queries_are_what_most_of_its_samples_ran():
    timing = PageTiming("/platforms/4/api/")
    timing.query_samples = [(8, 3.0), (8, 2.0), (9, 21.0), (8, 4.0)]
    assert timing.queries == 8
    assert timing.query_ms == 3.0


def test_a_page_never_answered_has_no_query_count():
    assert PageTiming("/").queries is None and PageTiming("/").query_ms is None
