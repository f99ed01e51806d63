"""The form that asks why a bank account's full number is needed. It holds no rule: the
service refuses a missing or short reason (accounts/services.py)."""

from django import forms

from accounts.services import REVEAL_REASON_MIN_LENGTH


class RevealReasonForm(forms.Form):
    reason = forms.CharField(
        required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=f"Required, at least {REVEAL_REASON_MIN_LENGTH} characters: why you need the full number. "
                  "Kept in the audit trail with your name.",
    )
