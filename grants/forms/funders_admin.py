"""Back-office add forms for pledges, receipts and conversions: each saves through its operation in
`grants.actions`, so the ledger is posted in the same transaction and the money rules apply (see
`grants.forms.awards_admin.ActionForm`)."""

from __future__ import annotations

from django import forms

from alignment_fund.clock import fund_today
from alignment_fund.money import BASE_CURRENCY
from funders.models import Conversion, Pledge, PledgeInstalment, Receipt
from grants import actions
from grants.actions import ActionError
from grants.forms.awards_admin import ActionForm
from grants.forms.pages import AmountField, InstalmentFormSet

# The prefix of the instalments inline on the pledge's add page (the related name, as the admin names it).
INSTALMENTS_PREFIX = "instalments"


class PledgeAddForm(ActionForm):
    class Meta:
        model = Pledge
        fields = [
            "reference",
            "funder",
            "amount",
            "pledged_on",
            "restricted_to_round",
            "restricted_to_area",
            "compute_only",
            "illustrative",
            "note",
        ]

    # The add page's POST, set per request by PledgeAdmin.get_form: the instalments inline is read from it, so the
    # operation records the pledge and its instalments together or refuses both.
    instalment_data = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pledged_on"].initial = fund_today

    def instalments(self) -> list[tuple]:
        if self.instalment_data is None or f"{INSTALMENTS_PREFIX}-TOTAL_FORMS" not in self.instalment_data:
            return []
        formset = InstalmentFormSet(self.instalment_data, prefix=INSTALMENTS_PREFIX)
        if not formset.is_valid():
            problems = [f"{field}: {' '.join(errs)}" for form in formset.forms for field, errs in form.errors.items()]
            raise ActionError({"instalments": problems or ["Check the instalments."]})
        return formset.rows()

    def perform(self, actor) -> Pledge:
        data = self.cleaned_data
        amount, currency = data["amount"].amount, data["amount"].currency.code
        return actions.do_record_pledge(
            actor,
            funder=data["funder"],
            amount=amount,
            currency=currency,
            pledged_on=data["pledged_on"],
            reference=data["reference"],
            restricted_to_round=data.get("restricted_to_round"),
            restricted_to_area=data.get("restricted_to_area"),
            compute_only=data.get("compute_only", False),
            illustrative=data.get("illustrative", False),
            note=data.get("note", ""),
            instalments=self.instalments(),
        )


class InstalmentInlineForm(forms.ModelForm):
    """A row of the instalments inline on the pledge's add page. It only displays and carries the data: the pledge
    operation validates and saves the instalments (`PledgeAddForm.instalments`), so this form checks nothing more."""

    amount = AmountField(label="Amount, in the pledge's currency", required=False)

    class Meta:
        model = PledgeInstalment
        fields = ["expected_on", "amount"]

    def _post_clean(self):
        pass  # the operation has validated and saved these rows already


class ReceiptAddForm(ActionForm):
    class Meta:
        model = Receipt
        fields = ["pledge", "amount", "received_on", "bank_reference"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pledge"].queryset = Pledge.objects.select_related("funder").order_by("-pledged_on", "-pk")
        self.fields["received_on"].initial = fund_today

    def perform(self, actor) -> Receipt:
        data = self.cleaned_data
        return actions.do_record_receipt(
            actor,
            pledge=data["pledge"],
            amount=data["amount"].amount,
            currency=data["amount"].currency.code,
            received_on=data["received_on"],
            bank_reference=data["bank_reference"],
        )


class ConversionAddForm(ActionForm):
    error_fields = {"currency": "amount_sold"}

    class Meta:
        model = Conversion
        fields = ["receipt", "amount_sold", "gbp_credited", "converted_on", "bank_reference"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["receipt"].queryset = (
            Receipt.objects.exclude(amount_currency=BASE_CURRENCY)
            .select_related("pledge__funder")
            .order_by("-received_on", "-pk")
        )
        self.fields["receipt"].help_text = "Receipts of cash in a currency other than pounds."
        self.fields["gbp_credited"].help_text = "The pounds the bank actually credited: the dealt rate follows."
        self.fields["converted_on"].initial = fund_today

    def perform(self, actor) -> Conversion:
        data = self.cleaned_data
        # The model's clean() has already checked that the currency sold is the receipt's.
        return actions.do_record_conversion(
            actor,
            receipt=data["receipt"],
            amount_sold=data["amount_sold"].amount,
            gbp_credited=data["gbp_credited"].amount,
            converted_on=data["converted_on"],
            bank_reference=data["bank_reference"],
        )
