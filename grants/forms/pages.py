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
from grants.reads.contributions import open_pledges, outstanding_on_pledge, unconverted_receipts
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


# The receipt and conversion forms offer at most this many pledges or receipts: the funder's newest open ones, or
# those whose reference matches a search. Never every record the fund holds.
CHOICES_SHOWN = 100


class FunderScopeForm(forms.Form):
    """The first step of the receipt and conversion forms: whose money, and optionally a reference to look for. Sent
    by GET, so it works without scripts (static/js/scope.js sends it as soon as a funder is chosen)."""

    funder = forms.ModelChoiceField(
        queryset=Funder.objects.order_by("name"), required=False, empty_label="Choose a funder"
    )
    q = forms.CharField(required=False, max_length=80, label="Reference contains")

    def __init__(self, *args, search_label: str = "", **kwargs):
        kwargs.setdefault("auto_id", "scope_%s")  # the form it scopes has a `funder` field too
        super().__init__(*args, **kwargs)
        if search_label:
            self.fields["q"].label = search_label

    def scope(self) -> tuple[int | None, str]:
        """The chosen funder's id and the search, or (None, "") when nothing valid is chosen."""
        if not self.is_bound or not self.is_valid():
            return None, ""
        funder = self.cleaned_data["funder"]
        return (funder.pk if funder else None), self.cleaned_data["q"].strip()


class ScopedChoiceField(forms.ModelChoiceField):
    """A choice among a few records (`queryset`, what the page offers), while what is sent is looked up among all of
    them (`lookup`, reversed ones included), so that the form can say why a record cannot be chosen rather than only
    that it is not offered."""

    def __init__(self, *, lookup, **kwargs):
        super().__init__(queryset=lookup.none(), **kwargs)
        self.lookup = lookup

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return self.lookup.get(pk=int(value))
        except (TypeError, ValueError, self.lookup.model.DoesNotExist) as exc:
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice") from exc


class PledgeChoiceField(ScopedChoiceField):
    def label_from_instance(self, pledge: Pledge) -> str:
        return (
            f"{pledge.reference} · {format_money(pledge.amount.amount, pledge.amount_currency)} pledged "
            f"{pledge.pledged_on:%-d %b %Y} · {format_money(pledge.outstanding, pledge.amount_currency)} to arrive"
        )


class ReceiptChoiceField(ScopedChoiceField):
    def label_from_instance(self, receipt: Receipt) -> str:
        return (
            f"{receipt.bank_reference} · {format_money(receipt.amount.amount, receipt.amount_currency)} received "
            f"{receipt.received_on:%-d %b %Y} · {format_money(receipt.unconverted, receipt.amount_currency)} unconverted"
        )


def _scoped_funder(form: forms.Form, funder_id: int | None) -> int | None:
    """The funder whose records the form offers: the one sent with the form, else the one the page was opened for."""
    if form.is_bound:
        try:
            return int(form.data.get("funder"))
        except (TypeError, ValueError):
            return None
    return funder_id


class ScopedToFunderForm(forms.Form):
    """A form whose `choice` field offers one funder's records (`offered(funder_id)`), searched by reference."""

    choice = ""
    search_field = ""
    empty_labels = ("Choose the funder first", "")

    funder = forms.ModelChoiceField(
        queryset=Funder.objects.all(),
        widget=forms.HiddenInput,
        error_messages={"required": "Choose the funder first.", "invalid_choice": "Choose the funder first."},
    )

    def __init__(self, *args, funder: int | None = None, search: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        funder_id = _scoped_funder(self, funder)
        field = self.fields[self.choice]
        if funder_id is None:
            field.empty_label = self.empty_labels[0]
        else:
            self.initial.setdefault("funder", funder_id)
            offered = self.offered(funder_id)
            if search:
                offered = offered.filter(**{f"{self.search_field}__icontains": search})
            field.queryset = offered[:CHOICES_SHOWN]
            field.empty_label = self.empty_labels[1]
            field.help_text = (
                f"The {CHOICES_SHOWN} newest at most{' matching the search' if search else ''}; search by reference "
                "above to find another."
            )

    def offered(self, funder_id: int):
        raise NotImplementedError

    def check_choice(self, chosen, funder: Funder) -> str | None:
        """Why `chosen` cannot be used with this form, or None."""
        raise NotImplementedError

    def clean(self):
        cleaned = super().clean()
        chosen, funder = cleaned.get(self.choice), cleaned.get("funder")
        if chosen is not None and funder is not None:
            problem = self.check_choice(chosen, funder)
            if problem:
                self.add_error(self.choice, problem)
        return cleaned

    def action_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("funder")
        return data


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


class ReceiptForm(ScopedToFunderForm):
    choice, search_field = "pledge", "reference"
    empty_labels = ("Choose the funder first", "Choose the pledge this money pays")

    pledge = PledgeChoiceField(lookup=Pledge.all_objects.select_related("funder"))
    amount = AmountField(label="Amount received")
    currency = currency_field(help_text="The pledge's currency.")
    received_on = date_field("Received on")
    bank_reference = forms.CharField(max_length=80, help_text="The bank's reference for the payment.")

    def offered(self, funder_id: int):
        return open_pledges(funder_id)

    def check_choice(self, pledge: Pledge, funder: Funder) -> str | None:
        if pledge.funder_id != funder.pk:
            return f"Pledge {pledge.reference} is {pledge.funder}'s, not {funder}'s: choose one of {funder}'s pledges."
        if pledge.reversed_at is not None:
            return f"Pledge {pledge.reference} was reversed on {pledge.reversed_at:%-d %b %Y}: it takes no receipts."
        if outstanding_on_pledge(pledge) <= 0:
            return f"Everything pledged under {pledge.reference} has arrived: there is nothing left to receive."
        return None


class ConversionForm(ScopedToFunderForm):
    choice, search_field = "receipt", "bank_reference"
    empty_labels = ("Choose the funder first", "Choose the receipt whose cash was sold")

    receipt = ReceiptChoiceField(lookup=Receipt.all_objects.select_related("pledge__funder"))
    amount_sold = AmountField(label="Amount sold")
    currency = currency_field(label="Currency sold", initial="USD", help_text="The receipt's currency.")
    gbp_credited = AmountField(label="Pounds credited (GBP)", help_text="What the bank credited, from its statement.")
    converted_on = date_field("Converted on")
    bank_reference = forms.CharField(max_length=80, help_text="The bank's reference for the deal.")

    def offered(self, funder_id: int):
        return unconverted_receipts(funder_id)

    def check_choice(self, receipt: Receipt, funder: Funder) -> str | None:
        # Pounds, compute-only cash and what is already converted are refused by the conversion operation itself.
        if receipt.pledge.funder_id != funder.pk:
            return (
                f"Receipt {receipt.bank_reference} is {receipt.pledge.funder}'s, not {funder}'s: choose one of "
                f"{funder}'s receipts."
            )
        if receipt.reversed_at is not None:
            return (
                f"Receipt {receipt.bank_reference} was reversed on {receipt.reversed_at:%-d %b %Y}: it cannot be sold."
            )
        return None

    def clean(self):
        cleaned = super().clean()
        receipt, currency = cleaned.get("receipt"), cleaned.get("currency")
        if receipt and currency and currency != receipt.amount_currency and "receipt" not in self.errors:
            self.add_error("currency", f"This receipt is in {receipt.amount_currency}: sell that currency.")
        return cleaned

    def action_kwargs(self) -> dict:
        data = super().action_kwargs()
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
    above_request_reason = forms.CharField(
        label="Why more than requested",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required when the award is more than the project asked for.",
    )

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
    reason = forms.CharField(
        max_length=500,
        required=False,
        label="Why outside the payment run",
        help_text="Payments are made in the monthly run; one made outside it needs a reason and a second "
        "administrator's approval.",
    )


class ReversalForm(forms.Form):
    reason = forms.CharField(
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Why this record is reversed: it stays on the record and in the ledger.",
    )


class AmendAwardForm(forms.Form):
    amount = AmountField(label="New amount", help_text="In pounds: £50,000 to £1,000,000 inclusive.")
    reason = forms.CharField(
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Why the award changes: it stays in the award's history.",
    )

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if not AWARD_MINIMUM_GBP <= amount <= AWARD_MAXIMUM_GBP:
            raise forms.ValidationError(AWARD_LIMITS_MESSAGE)
        return amount
