"""Every page declares the theme's colours as unfold's own skeleton declares them, written by
`{% theme_colors %}` instead of by unfold's loop."""

from pathlib import Path

import unfold
from django.contrib import admin
from django.template import engines
from hypothesis import given
from hypothesis import strategies as st
from pytest_django.asserts import assertHTMLEqual

UNFOLD_SKELETON = Path(unfold.__file__).parent / "templates" / "unfold" / "layouts" / "skeleton.html"
BLOCK_START, BLOCK_END = "{% if colors %}", "</style>"


def unfolds_block():
    """unfold's own `{% if colors %}…{% endif %}` block of its skeleton, as a template."""
    text = UNFOLD_SKELETON.read_text()
    start = text.index(BLOCK_START)
    end = text.index("{% endif %}", text.index(BLOCK_END, start)) + len("{% endif %}")
    return engines["django"].from_string(text[start:end])


def written_both_ways(context: dict) -> tuple[str, str]:
    consoles = engines["django"].from_string("{% load theme_colors %}{% theme_colors %}")
    return consoles.render(context), unfolds_block().render(context)


def test_the_sites_colours_are_declared_as_unfold_declares_them(rf, staff):
    request = rf.get("/")
    request.user = staff["ops"]
    context = admin.site.each_context(request)
    consoles, unfolds = written_both_ways({"colors": context["colors"], "border_radius": "6px"})
    assert "--color-primary-600: " in consoles and "--border-radius: 6px;" in consoles
    assertHTMLEqual(consoles, unfolds)


# Names, weights and values with what a template escapes among them.
words = st.text(alphabet="abz09-.%(), <>&'\"", min_size=1, max_size=12)
palettes = st.dictionaries(words, st.dictionaries(words, words, max_size=4), max_size=4)


@given(colors=palettes, border_radius=st.one_of(st.none(), st.just(""), words))
def test_any_palette_is_declared_as_unfold_declares_it(colors, border_radius):
    consoles, unfolds = written_both_ways({"colors": colors, "border_radius": border_radius})
    assertHTMLEqual(consoles, unfolds)
    if not colors:
        assert consoles == ""


def test_every_page_declares_the_colours_once(client_as):
    page = client_as("ops").get("/search/?q=").content.decode()
    assert page.count('<style id="unfold-theme-colors">') == 1
    assert "--color-base-50: oklch(" in page
