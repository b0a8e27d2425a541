"""Back-office forms whose saving is one of the fund's money operations.

An `ActionForm` runs its operation from `grants.actions` as the last step of validation, inside a savepoint. If the
operation refuses, its `ActionError` becomes the form's errors, the savepoint is rolled back and nothing is written;
the administrator sees the message on the form. If it succeeds, the form's instance is the object the operation
saved (ledger posted, attribution fixed) and the admin only has to log it. Validating in `clean()` and acting
later in `save_model()` would check the rules twice and could still fail after the form was accepted.
"""

from __future__ import annotations

from django import forms
from django.db import IntegrityError, transaction

from alignment_fund.clock import fund_today
from alignment_fund.money import (
    AWARD_MAXIMUM_GBP,
    AWARD_MINIMUM_GBP,
    BASE_CURRENCY,
    MoneyError,
)
from alignment_fund.rates.models import RateUnavailable
from alignment_fund.templatetags.money import money
from grants import actions
from grants.actions import ActionError
from grants.actions.milestones import check_milestone_schedule
from grants.models import Award, Disbursement, Milestone
from projects.models import Project

AWARD_LIMITS_MESSAGE = "An award must be between £50,000.00 and £1,000,000.00 inclusive."
AWARD_CURRENCY_MESSAGE = "Awards are made in pounds sterling (GBP), not %(value)s: enter the amount in pounds."


class ActionForm(forms.ModelForm):
    """An add form that saves by calling one operation of `grants.actions` (see the module docstring)."""

    # The acting user; the ModelAdmin sets it per request (see `ActionAdminMixin.get_form`).
    actor = None
    # Where an operation's error keys land on this form, when the key is not itself a field.
    error_fields: dict[str, str] = {"currency": "amount"}

    def perform(self, actor):
        """Call the operation with `self.cleaned_data`; return the object it saved."""
        raise NotImplementedError

    def _post_clean(self):
        # Model validation first (field validators, model clean(), unique checks), then the operation itself.
        super()._post_clean()
        if self.errors or self.instance.pk is not None:
            return
        try:
            with transaction.atomic():
                self.instance = self.perform(self.actor)
        except ActionError as exc:
            self._add_action_error(exc)
        except (RateUnavailable, MoneyError) as exc:
            self.add_error(None, str(exc))
        except IntegrityError:
            # Someone else recorded the same thing between our checks and our insert; theirs stands.
            self.add_error(None, "This could not be saved: a record with the same reference was saved meanwhile.")

    def _add_action_error(self, exc: ActionError) -> None:
        if not hasattr(exc, "error_dict"):
            self.add_error(None, exc.messages)
            return
        for key, errors in exc.error_dict.items():
            field = self.error_fields.get(key, key)
            self.add_error(field if field in self.fields else None, errors)


def _amount(money_value):
    return money_value.amount, money_value.currency.code


class AwardAddForm(ActionForm):
    """Award a vetted project: the round is the project's; limits and headroom are the operation's rules."""

    class Meta:
        model = Award
        fields = [
            "project",
            "amount",
            "awarded_on",
            "reference",
            "status",
            "compute_provider",
            "compute_quantity",
            "compute_value",
            "mentor",
            "above_request_reason",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.vetted_waiting().select_related("round")
        self.fields["project"].help_text = "Vetted projects without an award, best review score first."
        self.fields["reference"].required = False
        self.fields["reference"].help_text = "Leave blank for the usual form: AP- followed by the project reference."
        self.fields["awarded_on"].initial = fund_today
        # The currency list offers pounds only; a posted USD is refused with the rule, not "select a valid choice".
        currency = self.fields["amount"].fields[1]
        currency.error_messages = {**currency.error_messages, "invalid_choice": AWARD_CURRENCY_MESSAGE}

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if amount.currency.code != BASE_CURRENCY:
            raise forms.ValidationError(AWARD_CURRENCY_MESSAGE, params={"value": amount.currency.code})
        if not (AWARD_MINIMUM_GBP <= amount.amount <= AWARD_MAXIMUM_GBP):
            raise forms.ValidationError(AWARD_LIMITS_MESSAGE)
        return amount

    def perform(self, actor) -> Award:
        data = self.cleaned_data
        return actions.do_award_project(
            actor,
            project=data["project"],
            amount=data["amount"],
            awarded_on=data["awarded_on"],
            reference=data.get("reference") or None,
            status=data["status"],
            compute_provider=data.get("compute_provider", ""),
            compute_quantity=data.get("compute_quantity", ""),
            compute_value=data["compute_value"].amount if data.get("compute_value") else None,
            mentor=data.get("mentor", ""),
            above_request_reason=data.get("above_request_reason", ""),
            plan_milestones=True,
        )


class DisbursementAddForm(ActionForm):
    """Pay an approved milestone: the amount is the milestone's, the award the milestone's award."""

    error_fields = {"currency": "milestone"}

    class Meta:
        model = Disbursement
        fields = ["milestone", "paid_on", "reference"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["milestone"].queryset = (
            Milestone.objects.unpaid()
            .filter(approved_on__isnull=False)
            .select_related("award")
            .order_by("approved_on", "pk")
        )
        self.fields["milestone"].help_text = "Milestones whose report is approved and not yet paid."
        self.fields["paid_on"].initial = fund_today

    def perform(self, actor) -> Disbursement:
        data = self.cleaned_data
        return actions.do_record_disbursement(
            actor, milestone=data["milestone"], paid_on=data["paid_on"], reference=data["reference"]
        )


class MilestoneForm(forms.ModelForm):
    """Milestones are planned freely; once a report is approved the amount it pays is fixed."""

    class Meta:
        model = Milestone
        fields = ["award", "number", "title", "due_on", "amount"]

    def clean(self):
        cleaned = super().clean()
        instance = self.instance
        if instance.pk and instance.approved_on and "amount" in self.changed_data:
            self.add_error(
                "amount",
                f"This milestone's report was approved on {instance.approved_on:%-d %b %Y}: "
                f"its amount, {money(instance.amount)}, is fixed.",
            )
        return cleaned


class StandaloneMilestoneForm(MilestoneForm):
    """A milestone edited on its own page: with its award's other milestones it must still add up to the award and
    fall within the award period (`check_milestone_schedule`). (Under an award, the inline formset checks the whole
    set at once instead: change several milestones there.)"""

    def clean(self):
        cleaned = super().clean()
        award, amount, due_on = cleaned.get("award"), cleaned.get("amount"), cleaned.get("due_on")
        if award is None or amount is None or due_on is None:
            return cleaned
        others = award.milestones.exclude(pk=self.instance.pk).values_list("number", "due_on", "amount")
        planned = [*others, (cleaned.get("number") or 0, due_on, amount.amount)]
        try:
            check_milestone_schedule(award, planned)
        except ActionError as exc:
            for message in exc.messages:
                self.add_error(None, message)
            self.add_error(None, "To move money between milestones, edit them together on the award's page.")
        return cleaned


class MilestoneInlineFormSet(forms.BaseInlineFormSet):
    """The milestones of an award add up to the award exactly and fall within the award period."""

    def clean(self):
        super().clean()
        award = self.instance
        if award.pk is None or any(self.errors):
            return
        for form in self.deleted_forms:
            if form.instance.pk and form.instance.report_received_on:
                raise forms.ValidationError(
                    f"Milestone {form.instance.number} has a report on record: it stays part of the award."
                )
        planned = [
            (form.cleaned_data.get("number") or 0, form.cleaned_data.get("due_on"), form.cleaned_data["amount"].amount)
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE") and form.cleaned_data.get("amount")
        ]
        try:
            check_milestone_schedule(award, planned)
        except ActionError as exc:
            raise forms.ValidationError(exc.messages) from exc
