"""Pages travel compressed to browsers that accept it: a list page of a hundred rows is over a
hundred kilobytes of HTML and a fraction of that gzipped."""

import gzip

import pytest
from django.urls import reverse

from tests.factories import make_item

pytestmark = pytest.mark.django_db


def test_a_list_page_is_gzipped_for_a_browser_that_accepts_it_and_plain_for_one_that_does_not(client_as):
    for _ in range(30):
        make_item()
    client = client_as("lead")
    url = reverse("admin:payments_item_changelist")
    plain = client.get(url)
    compressed = client.get(url, headers={"accept-encoding": "gzip, deflate, br"})
    assert plain.status_code == compressed.status_code == 200
    assert "Content-Encoding" not in plain
    assert compressed["Content-Encoding"] == "gzip" and "Accept-Encoding" in compressed["Vary"]
    page = gzip.decompress(compressed.content).decode()
    assert "<table" in page and len(compressed.content) * 4 < len(plain.content)
