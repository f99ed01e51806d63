"""Possessives of names, generated: a person's or platform's name takes 's, a name ending in s
too ("James's", "Harbour Goods's": British usage, docs/decisions/0068-words-people-read.md), the name itself
unchanged; and the pages and answers that give a name a possessive use that one rule."""

import html

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from opsconsole.wording import possessive
from tests.factories import make_platform

# Names as people and companies write them: letters of any script, spaces, hyphens, apostrophes,
# full stops, ampersands and digits inside.
NAME_CHARACTERS = st.characters(categories=("L", "Nd"), include_characters=" -'.&")
NAMES = st.text(NAME_CHARACTERS, min_size=1, max_size=40).filter(lambda name: name.strip())
NAMES_ENDING_IN_S = st.builds(lambda name, ending: name.rstrip() + ending, NAMES, st.sampled_from(["s", "S", "ss"]))
SPACES = st.text(" \t\n", max_size=3)


@given(NAMES, SPACES, SPACES)
def test_a_name_keeps_its_spelling_and_takes_apostrophe_s(name, before, after):
    shown = possessive(before + name + after)
    assert shown == name.strip() + "'s"
    assert shown.startswith(name.strip()) and not shown.endswith("'")


@given(NAMES_ENDING_IN_S)
def test_a_name_ending_in_s_takes_apostrophe_s_too(name):
    shown = possessive(name)
    assert shown.endswith(name[-1] + "'s")
    assert shown[:-2] == name.strip()


@given(SPACES)
def test_a_blank_name_stays_blank(blank):
    assert possessive(blank) == ""


@pytest.mark.parametrize(("name", "expected"), [("James", "James's"), ("Harbour Goods", "Harbour Goods's"),
                                                ("Olivia", "Olivia's"), ("Acme Pty Ltd.", "Acme Pty Ltd.'s")])
def test_examples(name, expected):
    assert possessive(name) == expected


def test_the_platform_api_page_gives_a_name_ending_in_s_its_apostrophe_s(client_as, db):
    platform = make_platform(name="Harbour Goods")

    response = client_as("lead").get(reverse("platform-api", args=[platform.pk]))

    assert response.status_code == 200
    assert "Harbour Goods's details" in html.unescape(response.content.decode())
