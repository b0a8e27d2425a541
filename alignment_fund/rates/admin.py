"""The back office for reference rates: a dated history, never edited; an administrator may add a missing day."""

from __future__ import annotations

from datetime import date

from django import forms
from django.contrib import admin, messages

from alignment_fund.clock import fund_today
from alignment_fund.rates.models import ExchangeRate, HeldRate
from alignment_fund.rates.sources import ECB_CURRENCIES
from alignment_fund.rates.storage import confirm_held_rates, reject_held_rates


class ManualRateForm(forms.ModelForm):
    """A reference rate entered by an administrator: units of the currency per euro, like the ECB's."""

    currency = forms.ChoiceField(choices=[(c, c) for c in ECB_CURRENCIES], help_text="Quoted per euro.")

    class Meta:
        model = ExchangeRate
        fields = ["currency", "rate_date", "rate"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rate"].help_text = "Units of the currency per euro, as the ECB quotes it (e.g. 1.0842 for USD)."

    def clean_rate(self):
        rate = self.cleaned_data["rate"]
        if rate <= 0:
            raise forms.ValidationError("A rate must be more than zero.")
        return rate

    def clean_rate_date(self) -> date:
        rate_date = self.cleaned_data["rate_date"]
        if rate_date > fund_today():
            raise forms.ValidationError("A reference rate cannot be entered for a day that has not come yet.")
        return rate_date

    def clean(self):
        cleaned = super().clean()
        currency, rate_date = cleaned.get("currency"), cleaned.get("rate_date")
        if currency and rate_date:
            existing = ExchangeRate.objects.filter(currency=currency, rate_date=rate_date).first()
            if existing is not None:
                # On the date field, so the model's own unique check (which would repeat it) is skipped.
                self.add_error(
                    "rate_date",
                    f"There is already a EUR/{currency} rate for {rate_date:%-d %b %Y}: {existing.rate.normalize():f} "
                    f"({existing.get_source_display()}). Rates are history and are not replaced.",
                )
        return cleaned


@admin.register(ExchangeRate)
class ExchangeRateAdmin(admin.ModelAdmin):
    """Rates are a dated history: published rates are never edited. An administrator may add a rate for a day the
    ECB has none for (and delete one entered by mistake); it is recorded as entered by them."""

    list_display = ("rate_date", "pair", "rate_shown", "source", "fetched_at", "entered_by")
    list_filter = ("currency", "source")
    date_hierarchy = "rate_date"
    search_fields = ("currency",)
    list_select_related = ("entered_by",)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("currency", "rate_date", "rate")
        return ("pair", "rate_date", "rate", "source", "fetched_at", "entered_by")

    def get_form(self, request, obj=None, change=False, **kwargs):
        # The manual-rate form is for adding only; a stored rate is shown, never edited.
        kwargs["form"] = ManualRateForm if obj is None else forms.ModelForm
        return super().get_form(request, obj, change=change, **kwargs)

    def has_change_permission(self, request, obj=None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        # Only a rate typed in by an administrator, and one at a time (no bulk delete of the history).
        return obj is not None and obj.source == ExchangeRate.Source.MANUAL and super().has_delete_permission(request)

    def save_model(self, request, obj, form, change):
        obj.source = ExchangeRate.Source.MANUAL
        obj.entered_by = request.user
        super().save_model(request, obj, form, change)

    @admin.display(description="units per euro", ordering="rate")
    def rate_shown(self, rate: ExchangeRate) -> str:
        return f"{rate.rate.normalize():f}"

    @admin.display(description="pair", ordering="currency")
    def pair(self, rate: ExchangeRate) -> str:
        return f"EUR/{rate.currency}"


@admin.register(HeldRate)
class HeldRateAdmin(admin.ModelAdmin):
    """Rates that moved further than RATES_MAX_MOVE from the previous stored rate wait here. Confirming one stores it
    as published (and values the fund with it from then on); rejecting it keeps it out for good."""

    list_display = ("rate_date", "pair", "rate_shown", "previous", "move_shown", "source", "decision", "decided_by")
    list_filter = ("decision", "currency")
    date_hierarchy = "rate_date"
    list_select_related = ("decided_by",)
    actions = ["confirm", "reject"]
    readonly_fields = [f.name for f in HeldRate._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="pair", ordering="currency")
    def pair(self, held: HeldRate) -> str:
        return f"EUR/{held.currency}"

    @admin.display(description="units per euro", ordering="rate")
    def rate_shown(self, held: HeldRate) -> str:
        return f"{held.rate.normalize():f}"

    @admin.display(description="previous stored rate")
    def previous(self, held: HeldRate) -> str:
        return f"{held.previous_rate.normalize():f} ({held.previous_date:%-d %b %Y})"

    @admin.display(description="move")
    def move_shown(self, held: HeldRate) -> str:
        return f"{held.move:+.1%}"

    @admin.action(description="Confirm the selected rates: store them as published")
    def confirm(self, request, queryset):
        stored = confirm_held_rates(queryset, request.user)
        self.message_user(request, f"{stored} rate{'s' if stored != 1 else ''} confirmed and stored.", messages.SUCCESS)

    @admin.action(description="Reject the selected rates: never store them")
    def reject(self, request, queryset):
        rejected = reject_held_rates(queryset, request.user)
        self.message_user(request, f"{rejected} rate{'s' if rejected != 1 else ''} rejected.", messages.SUCCESS)
