"""The search page's button is unfold's button component, written out in the page's template."""

import re

from django.template import engines
from django.urls import reverse
from pytest_django.asserts import assertHTMLEqual

UNFOLDS_BUTTON = ('{% load unfold %}{% component "unfold/components/button.html" with submit=1 icon="search" %}'
                  "Search{% endcomponent %}")


def test_the_search_button_is_written_as_unfolds_component_writes_it(client_as, db):
    page = client_as("lead").get(reverse("console-search"), {"q": "nothing-matches-this"}).content.decode()
    form = page[page.index('<form method="get" action="/search/" role="search" class="flex'):]
    [button] = re.findall(r'<button type="submit".*?</button>', form[:form.index("</form>")], flags=re.S)
    assertHTMLEqual(button, engines["django"].from_string(UNFOLDS_BUTTON).render({}))
