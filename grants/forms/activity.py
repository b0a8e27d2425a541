"""The activity log's filters."""

from __future__ import annotations

from django import forms

from alignment_fund.models import User
from grants.forms.pages import DateInput
from grants.reads.activity import ActivityFilter, tracked_models


class ActivityFilterForm(forms.Form):
    model = forms.ChoiceField(required=False, label="Record")
    user = forms.ModelChoiceField(
        queryset=User.objects.filter(is_staff=True).order_by("username"),
        required=False,
        empty_label="Anyone",
        label="Changed by",
    )
    since = forms.DateField(required=False, widget=DateInput, label="From")
    until = forms.DateField(required=False, widget=DateInput, label="To")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["model"].choices = [("", "Every record")] + [
            (label, str(model._meta.verbose_name).capitalize()) for label, model in tracked_models().items()
        ]
        # Anyone who changed something may be asked for, not only staff (a researcher's own edits, the importer).
        self.fields["user"].queryset = User.objects.order_by("username")

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            raise forms.ValidationError("The first day is after the last.")
        return data

    def criteria(self) -> ActivityFilter:
        data = self.cleaned_data
        return ActivityFilter(
            model=data.get("model") or "",
            user_id=data["user"].pk if data.get("user") else None,
            since=data.get("since"),
            until=data.get("until"),
        )
