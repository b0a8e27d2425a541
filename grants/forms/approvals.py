"""Forms of four eyes and payment runs: a decision with its reason, and the month of a payment run."""

from __future__ import annotations

from django import forms

from grants.reads.payment_runs import parse_month


class DecisionForm(forms.Form):
    reason = forms.CharField(
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Required to reject; optional to approve.",
    )


class RejectionForm(DecisionForm):
    reason = forms.CharField(max_length=1000, widget=forms.Textarea(attrs={"rows": 2}), help_text="Say why.")


class PaymentRunForm(forms.Form):
    month = forms.CharField(
        max_length=7,
        label="Month",
        help_text="The month whose payments are due (YYYY-MM): it must have ended.",
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM"}),
    )

    def clean_month(self):
        month = parse_month(self.cleaned_data["month"])
        if month is None:
            raise forms.ValidationError("Give a month as YYYY-MM, e.g. 2026-01.")
        return month
