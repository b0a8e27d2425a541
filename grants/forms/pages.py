"""The administrator's forms. They parse and check what a person typed; the rules live in grants.actions, whose
errors `apply_action_error` puts back on the form's fields."""

from __future__ import annotations

from django import forms
from djmoney.money import Money

from alignment_fund.clock import fund_today
from alignment_fund.money import (
    AWARD_MAXIMUM_GBP,
    AWARD_MINIMUM_GBP,
    BASE_CURRENCY,
    CURRENCIES,
    AmountError,
    parse_amount,
)
from alignment_fund.templatetags.money import format_money
from funders.models import Funder, Pledge, Receipt
from grants.actions import ActionError
from grants.models import Award
from projects.models import ResearchArea, Round

CURRENCY_CHOICES = [(c, c) for c in CURRENCIES]
AWARD_LIMITS_MESSAGE = "An award must be between £50,000.00 and £1,000,000.00 inclusive."


class AmountField(forms.CharField):
    """An amount of money as a person types it: '1,250,000.00', '£50,000' or ' 50000 '. Decimal, never float; read
    by the one amount parser, with its limits."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "decimal", "autocomplete": "off", "class": "amount"})

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        try:
            return parse_amount(value)
        except AmountError as exc:
            raise forms.ValidationError(f"“{value[:40]}” {exc}.", code="invalid") from exc


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def date_field(label: str, **kwargs) -> forms.DateField:
    """A date defaulting to the fund's today."""
    return forms.DateField(label=label, initial=fund_today, widget=DateInput, **kwargs)


def currency_field(**kwargs) -> forms.ChoiceField:
    kwargs.setdefault("initial", BASE_CURRENCY)
    kwargs.setdefault("label", "Currency")
    return forms.ChoiceField(choices=CURRENCY_CHOICES, **kwargs)


def apply_action_error(form: forms.Form, error: ActionError, aliases: dict[str, str] | None = None) -> None:
    """Show a refused action's messages on the form: on the field they name when the form has it, above the form
    otherwise."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for key, messages in error.message_dict.items():
        name = (aliases or {}).get(key, key)
        form.add_error(name if name in form.fields else None, messages)


class PledgeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, pledge: Pledge) -> str:
        return (
            f"{pledge.reference} · {pledge.funder} · {format_money(pledge.amount.amount, pledge.amount_currency)} "
            f"pledged {pledge.pledged_on:%-d %b %Y}"
        )


class ReceiptChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, receipt: Receipt) -> str:
        return (
            f"{receipt.bank_reference} · {receipt.pledge.funder} · "
            f"{format_money(receipt.amount.amount, receipt.amount_currency)} received {receipt.received_on:%-d %b %Y}"
        )


class InstalmentForm(forms.Form):
    expected_on = forms.DateField(label="Expected on", required=False, widget=DateInput)
    amount = AmountField(label="Amount", required=False)

    def clean(self):
        data = super().clean()
        if bool(data.get("expected_on")) != bool(data.get("amount")) and not self.errors:
            raise forms.ValidationError("Give both the date and the amount, or neither.")
        return data


class BaseInstalmentFormSet(forms.BaseFormSet):
    def rows(self) -> list[tuple]:
        """The filled-in rows as (expected_on, amount); blank rows are ignored."""
        return [
            (form.cleaned_data["expected_on"], form.cleaned_data["amount"])
            for form in self.forms
            if form.cleaned_data.get("expected_on") and form.cleaned_data.get("amount")
        ]


# Optional expected receipts of a pledge, which must add up to it (the pledge operation checks).
InstalmentFormSet = forms.formset_factory(InstalmentForm, formset=BaseInstalmentFormSet, extra=4, max_num=24)


class PledgeForm(forms.Form):
    funder = forms.ModelChoiceField(queryset=Funder.objects.order_by("name"), empty_label="Choose a funder")
    reference = forms.CharField(max_length=40, help_text="Your reference for this pledge, e.g. OAI-2026-01.")
    amount = AmountField(label="Amount pledged")
    currency = currency_field()
    pledged_on = date_field("Pledged on")
    restricted_to_round = forms.ModelChoiceField(
        queryset=Round.objects.order_by("number"), required=False, empty_label="Any round", label="Restricted to round"
    )
    restricted_to_area = forms.ModelChoiceField(
        queryset=ResearchArea.objects.order_by("name"),
        required=False,
        empty_label="Any research area",
        label="Restricted to research area",
    )
    compute_only = forms.BooleanField(required=False, label="Given for compute only (never counted toward awards)")
    illustrative = forms.BooleanField(required=False, label="Illustrative amount (no public figure exists)")
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def action_kwargs(self) -> dict:
        return dict(self.cleaned_data)


class ReceiptForm(forms.Form):
    pledge = PledgeChoiceField(
        queryset=Pledge.objects.select_related("funder").order_by("-pledged_on", "reference"),
        empty_label="Choose the pledge this money pays",
    )
    amount = AmountField(label="Amount received")
    currency = currency_field(help_text="The pledge's currency.")
    received_on = date_field("Received on")
    bank_reference = forms.CharField(max_length=80, help_text="The bank's reference for the payment.")

    def action_kwargs(self) -> dict:
        return dict(self.cleaned_data)


class ConversionForm(forms.Form):
    receipt = ReceiptChoiceField(
        queryset=Receipt.objects.exclude(amount_currency=BASE_CURRENCY)
        .filter(pledge__compute_only=False)
        .select_related("pledge__funder")
        .order_by("-received_on", "bank_reference"),
        empty_label="Choose the receipt whose cash was sold",
    )
    amount_sold = AmountField(label="Amount sold")
    currency = currency_field(label="Currency sold", initial="USD", help_text="The receipt's currency.")
    gbp_credited = AmountField(label="Pounds credited (GBP)", help_text="What the bank credited, from its statement.")
    converted_on = date_field("Converted on")
    bank_reference = forms.CharField(max_length=80, help_text="The bank's reference for the deal.")

    def clean(self):
        cleaned = super().clean()
        receipt, currency = cleaned.get("receipt"), cleaned.get("currency")
        if receipt and currency and currency != receipt.amount_currency:
            self.add_error("currency", f"This receipt is in {receipt.amount_currency}: sell that currency.")
        return cleaned

    def action_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("currency")
        return data


class AwardForm(forms.Form):
    amount = AmountField(label="Amount awarded", help_text="In pounds: £50,000 to £1,000,000 inclusive.")
    currency = currency_field()
    awarded_on = date_field("Awarded on")
    status = forms.ChoiceField(
        choices=[(Award.Status.OFFERED, "Offered"), (Award.Status.ACCEPTED, "Accepted")], initial=Award.Status.OFFERED
    )
    reference = forms.CharField(max_length=40, required=False, help_text="Leave blank for the usual reference.")
    mentor = forms.CharField(max_length=200, required=False, label="Expert support (mentor)")
    compute_provider = forms.CharField(max_length=120, required=False)
    compute_quantity = forms.CharField(max_length=120, required=False, help_text="e.g. 20,000 GPU-hours")
    compute_value = AmountField(label="Notional value of compute (GBP)", required=False)

    def clean(self):
        cleaned = super().clean()
        amount, currency = cleaned.get("amount"), cleaned.get("currency")
        if amount is not None and currency == BASE_CURRENCY and not AWARD_MINIMUM_GBP <= amount <= AWARD_MAXIMUM_GBP:
            self.add_error("amount", AWARD_LIMITS_MESSAGE)
        return cleaned

    def action_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        data["amount"] = Money(data["amount"], data.pop("currency"))
        data["reference"] = data["reference"] or None
        data["plan_milestones"] = True
        return data


class ReportReceivedForm(forms.Form):
    received_on = date_field("Report received on")


class ApproveMilestoneForm(forms.Form):
    approved_on = date_field("Approved on")


class DisbursementForm(forms.Form):
    paid_on = date_field("Paid on")
    reference = forms.CharField(max_length=80, label="Bank reference", help_text="The payment's bank reference.")
