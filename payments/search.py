"""Items, charges and disbursements in the console's search box (search/registry.py)."""

from payments.models import Charge, Disbursement, Item
from search.registry import QueryShape, SearchField, SearchKind, register


def describe_item(item: Item, user) -> tuple[str, str]:
    return str(item), f"{item.name}, {item.get_state_display()}"


def describe_charge(charge: Charge, user) -> tuple[str, str]:
    card = f", {charge.card_account}" if charge.card_account else ""
    return str(charge), f"{charge.get_method_display()}, {charge.get_status_display()}{card}"


def describe_disbursement(disbursement: Disbursement, user) -> tuple[str, str]:
    return str(disbursement), disbursement.get_status_display()


register(SearchKind(
    key="item", model=Item, title="Item", plural="Items", icon="shopping_bag", order=20,
    fields=(
        SearchField(QueryShape.NUMBER, "pk", "id"),
        SearchField(QueryShape.REFERENCE, "external_id", "external id"),
    ),
    shown=("external_id", "name", "state"),
    describe=describe_item,
    found_by="an item's external id",
))

register(SearchKind(
    key="charge", model=Charge, title="Charge", plural="Charges", icon="credit_card", order=30,
    fields=(
        SearchField(QueryShape.NUMBER, "pk", "id"),
        # `cardaccount_last_four_idx`, then the charge's `card_account` foreign-key index: few charges,
        # sorted by the database.
        SearchField(QueryShape.FOUR_DIGITS, "card_account__last_four", "card last four", newest_first=True,
                    listed=True),
        SearchField(QueryShape.REFERENCE, "gateway_reference", "gateway reference"),
    ),
    shown=("gateway_reference", "method", "status", "card_account_id", "card_account__brand",
           "card_account__last_four", "card_account__expiry_month", "card_account__expiry_year"),
    describe=describe_charge,
    found_by="a charge's gateway reference, or a card's last four digits for the charges made with it",
))

register(SearchKind(
    key="disbursement", model=Disbursement, title="Disbursement", plural="Disbursements", icon="payments",
    order=40,
    fields=(
        SearchField(QueryShape.NUMBER, "pk", "id"),
        SearchField(QueryShape.REFERENCE, "reference", "reference"),
    ),
    shown=("reference", "status"),
    describe=describe_disbursement,
    found_by="a disbursement's reference",
))
