"""The decision, written on the publish page: the committee decides, then staff publish."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from civicpanel.common.forms import CleanInputMixin
from civicpanel.publishing.breakdowns import MAX_BREAKDOWNS
from civicpanel.surveys.forms import LANGUAGE_NAMES, DateInput
from civicpanel.surveys.purpose import LABELS


class DecisionForm(CleanInputMixin, forms.Form):
    """What was decided, in each of the council's languages, and when (surveys.purpose's fields,
    written through surveys.services.survey_purpose_update, which checks the date)."""

    def __init__(self, *args, languages: list[str], survey, **kwargs):
        super().__init__(*args, **kwargs)
        self.languages = languages
        for language in languages:
            self.fields[f"decision_{language}"] = forms.CharField(
                label=f"{LABELS['decision']} ({LANGUAGE_NAMES.get(language, language)})", required=False,
                widget=forms.Textarea(attrs={"rows": 3}), initial=(survey.decision or {}).get(language, ""))
        self.fields["decision_date"] = forms.DateField(
            label=LABELS["decision_date"], required=False, widget=DateInput(),
            initial=survey.decision_date)

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        texts = {language: data[f"decision_{language}"].strip() for language in self.languages
                 if data.get(f"decision_{language}", "").strip()}
        return {"decision": texts, "decision_date": data.get("decision_date")}


class BreakdownForm(CleanInputMixin, forms.Form):
    """The profile questions the public shares are broken down by (at most two)."""

    breakdowns = forms.MultipleChoiceField(
        label=_("Break the public shares down by"), required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("At most two. Each group's shares are shown beside the whole; a figure of fewer than five "
                    "people, and any figure that would reveal one, is hidden."))

    def __init__(self, *args, choices: list, initial_keys: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["breakdowns"].choices = [(question.key, question.text) for question in choices]
        self.fields["breakdowns"].initial = initial_keys

    def clean_breakdowns(self):
        keys = self.cleaned_data["breakdowns"]
        if len(keys) > MAX_BREAKDOWNS:
            raise forms.ValidationError(_("Choose at most two breakdowns."))
        return keys
