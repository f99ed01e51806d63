"""A record's admin page is where `reverse` says it is, for any key, though the URL is worked out
once per model (opsconsole/admin_urls.py)."""

import pytest
from django.urls import clear_script_prefix, reverse, set_script_prefix

from opsconsole.admin_urls import admin_change_url

KEYS = [1, 1500019, "1500019", "cb-usr-000731", "a b/c", "x?y#z&w=1", "100%", "ümlaut", "~:@!$'()*+,;="]


@pytest.mark.parametrize("key", KEYS)
def test_a_change_page_url_is_the_one_reverse_gives(key):
    expected = reverse("admin:payments_item_change", args=[key])
    assert admin_change_url(app_label="payments", model_name="item", pk=key) == expected


def test_each_model_has_its_own_page():
    assert admin_change_url(app_label="accounts", model_name="customer", pk=7) == "/accounts/customer/7/change/"
    assert admin_change_url(app_label="payments", model_name="item", pk=7) == "/payments/item/7/change/"


def test_a_model_the_admin_does_not_show_and_an_empty_key_have_no_page():
    assert admin_change_url(app_label="payments", model_name="no_such_model", pk=1) is None
    assert admin_change_url(app_label="payments", model_name="item", pk="") is None


def test_the_url_follows_the_script_prefix():
    set_script_prefix("/console/")
    try:
        assert admin_change_url(app_label="payments", model_name="item", pk=7) == "/console/payments/item/7/change/"
    finally:
        clear_script_prefix()
    assert admin_change_url(app_label="payments", model_name="item", pk=7) == "/payments/item/7/change/"
