"""The code step's forms, made for the keyboard: the code field has the focus, and browsers and
phones know it for a one-time code (a numeric keypad for the authenticator's six digits)."""

from django import forms
from unfold.widgets import BASE_INPUT_CLASSES, UnfoldAdminTextareaWidget

from opsconsole.second_factor.lockout import AUTHENTICATOR_CODE, RECOVERY_CODE
from opsconsole.second_factor.services import RESET_REASON_MIN_LENGTH

INPUT_CLASSES = " ".join(BASE_INPUT_CLASSES)


class AuthenticatorCodeForm(forms.Form):
    second_factor = AUTHENTICATOR_CODE

    code = forms.CharField(
        label="Code from your authenticator app", max_length=16,
        widget=forms.TextInput(attrs={
            "class": INPUT_CLASSES, "autofocus": "", "autocomplete": "one-time-code", "inputmode": "numeric",
            "spellcheck": "false",
        }),
    )

    def clean_code(self) -> str:
        """The digits alone: apps show the code as "123 456", and people copy it so."""
        return "".join(self.cleaned_data["code"].split())


class RecoveryCodeForm(forms.Form):
    """On the same page as the authenticator's form: its field is told apart by the prefix."""

    second_factor = RECOVERY_CODE
    prefix = "recovery"

    code = forms.CharField(
        label="Recovery code", max_length=32,
        widget=forms.TextInput(attrs={
            "class": INPUT_CLASSES, "autocomplete": "off", "autocapitalize": "none", "spellcheck": "false",
        }),
    )

    def clean_code(self) -> str:
        """As issued: lower case, without the spaces or dashes a person may type between parts."""
        return "".join(self.cleaned_data["code"].split()).replace("-", "").lower()


def submitted_code_form(data) -> AuthenticatorCodeForm | RecoveryCodeForm:
    """The form of the code step that `data` (a POST) filled in."""
    if RecoveryCodeForm().add_prefix("code") in data:
        return RecoveryCodeForm(data)
    return AuthenticatorCodeForm(data)


class ResetReasonForm(forms.Form):
    reason = forms.CharField(
        min_length=RESET_REASON_MIN_LENGTH, max_length=500, strip=True,
        help_text="Why their second factor is reset (a lost phone, say, and how you made sure it was them). "
                  "Kept in the audit trail.",
        widget=UnfoldAdminTextareaWidget(attrs={"rows": 3, "autofocus": ""}),
    )
