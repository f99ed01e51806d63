"""The public code tables behind the explanations: card response codes (ISO 8583, as the card
networks use them), ACH return codes (NACHA) and BECS return codes (AusPayNet)."""

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

TABLES = Path(__file__).resolve().parent / "reference"


@dataclass(frozen=True)
class CardResponse:
    code: str
    name: str
    meaning: str
    tell_the_buyer: str
    retry_advice: str
    shown_to_buyer_as: str

    @property
    def label(self) -> str:
        return self.name.replace("_", " ")


@dataclass(frozen=True)
class BankReturn:
    code: str
    name: str
    meaning: str
    next_step: str

    @property
    def label(self) -> str:
        return self.name.replace("_", " ")


def _rows(filename: str) -> list[dict]:
    with (TABLES / filename).open(newline="") as table:
        return list(csv.DictReader(table))


@cache
def card_responses() -> dict[str, CardResponse]:
    return {row["code"]: CardResponse(**row) for row in _rows("card_response_codes.csv")}


@cache
def bank_returns(network: str) -> dict[str, BankReturn]:
    filename = {"ach": "ach_return_codes.csv", "becs": "becs_return_codes.csv"}[network]
    return {row["code"]: BankReturn(**row) for row in _rows(filename)}


def card_response(code: str) -> CardResponse | None:
    return card_responses().get(code)


def bank_return(network: str, code: str) -> BankReturn | None:
    return bank_returns(network).get(code)
