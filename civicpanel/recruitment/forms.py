from __future__ import annotations

import datetime

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicpanel.common.forms import CleanInputMixin
from civicpanel.panel.models import Campaign
from civicpanel.recruitment.models import LetterBatch

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
NEW = "new"


class DateInput(forms.DateInput):
    input_type = "date"


class ExtractUploadForm(CleanInputMixin, forms.Form):
    campaign = forms.ChoiceField(label=_("Campaign"))
    new_name = forms.CharField(label=_("Name of the new campaign"), max_length=200, required=False,
                               help_text=_("For example: Letters to young residents, spring 2027."))
    ends_on = forms.DateField(label=_("The campaign ends"), widget=DateInput, required=False,
                              help_text=_("The addresses are deleted a set number of days after this date."))
    file = forms.FileField(label=_("Address extract (CSV)"))

    def __init__(self, *args, council, **kwargs):
        super().__init__(*args, **kwargs)
        campaigns = Campaign.objects.filter(council=council, channel=Campaign.Channel.LETTER).order_by("name")
        self.campaigns = {str(c.pk): c for c in campaigns}
        self.fields["campaign"].choices = [(NEW, _("A new letter campaign")),
                                           *((str(c.pk), c.name) for c in campaigns)]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 20 MB. Split it into smaller files."))
        return upload

    def clean(self):
        data = super().clean()
        if data.get("campaign") == NEW:
            if not data.get("new_name", "").strip():
                self.add_error("new_name", _("Give the new campaign a name."))
            if not data.get("ends_on"):
                self.add_error("ends_on", _("Give the day the campaign ends, so the addresses can be deleted after it."))
        if data.get("ends_on") and data["ends_on"] < timezone.localdate():
            self.add_error("ends_on", _("The end of the campaign cannot be in the past."))
        return data

    @property
    def chosen_campaign(self) -> Campaign | None:
        return self.campaigns.get(self.cleaned_data.get("campaign", ""))


class BatchForm(CleanInputMixin, forms.Form):
    method = forms.ChoiceField(
        label=_("Who gets a letter"), widget=forms.RadioSelect,
        choices=[(LetterBatch.Method.OVERSAMPLED, LetterBatch.Method.OVERSAMPLED.label),
                 (LetterBatch.Method.PROPORTIONAL, LetterBatch.Method.PROPORTIONAL.label),
                 (LetterBatch.Method.ALL, LetterBatch.Method.ALL.label)],
        initial=LetterBatch.Method.OVERSAMPLED)
    size = forms.IntegerField(label=_("Number of letters"), min_value=1, max_value=50_000, required=False,
                              help_text=_("For a random sample. Everyone in the extract who has not had a letter yet "
                                          "can be drawn."))
    language = forms.ChoiceField(label=_("Language of the letters"))
    layout = forms.ChoiceField(label=_("Envelope"), choices=LetterBatch.Layout.choices)
    codes_expire_on = forms.DateField(label=_("Codes valid until"), widget=DateInput)

    def __init__(self, *args, council, **kwargs):
        super().__init__(*args, **kwargs)
        names = dict(settings.LANGUAGES)
        self.fields["language"].choices = [(code, names.get(code, code)) for code in council.language_codes]
        self.fields["language"].initial = council.default_language
        self.fields["layout"].initial = LetterBatch.Layout.NO if council.country == "NO" else LetterBatch.Layout.DK
        self.fields["codes_expire_on"].initial = timezone.localdate() + datetime.timedelta(days=60)

    def clean(self):
        data = super().clean()
        if data.get("method") in (LetterBatch.Method.OVERSAMPLED, LetterBatch.Method.PROPORTIONAL) and not data.get("size"):
            self.add_error("size", _("Give the number of letters to draw."))
        if data.get("codes_expire_on") and data["codes_expire_on"] < timezone.localdate():
            self.add_error("codes_expire_on", _("The codes must be valid at least until today."))
        return data


class PlanBatchForm(CleanInputMixin, forms.Form):
    """The refresh planner's one action: the plan's letters, with the usual letter settings."""

    language = forms.ChoiceField(label=_("Language of the letters"))
    layout = forms.ChoiceField(label=_("Envelope"), choices=LetterBatch.Layout.choices)
    codes_expire_on = forms.DateField(label=_("Codes valid until"), widget=DateInput)

    def __init__(self, *args, council, **kwargs):
        super().__init__(*args, **kwargs)
        names = dict(settings.LANGUAGES)
        self.fields["language"].choices = [(code, names.get(code, code)) for code in council.language_codes]
        self.fields["language"].initial = council.default_language
        self.fields["layout"].initial = LetterBatch.Layout.NO if council.country == "NO" else LetterBatch.Layout.DK
        self.fields["codes_expire_on"].initial = timezone.localdate() + datetime.timedelta(days=60)

    def clean_codes_expire_on(self):
        value = self.cleaned_data["codes_expire_on"]
        if value < timezone.localdate():
            raise forms.ValidationError(_("The codes must be valid at least until today."))
        return value


class CampaignPlanForm(CleanInputMixin, forms.Form):
    ends_on = forms.DateField(label=_("The campaign ends"), widget=DateInput, required=False)
    cost = forms.DecimalField(label=_("What the campaign cost"), min_value=0, max_digits=12, decimal_places=2,
                              required=False, help_text=_("Printing, postage, advertising: the total, in the "
                                                          "council's currency."))


class HealthSettingsForm(CleanInputMixin, forms.Form):
    warning_percent = forms.IntegerField(
        label=_("Warn when a group's share of the panel is below this percentage of its share of the residents"),
        min_value=1, max_value=100)
    extract_keep_days = forms.IntegerField(
        label=_("Days to keep an address extract after its campaign ends"), min_value=0, max_value=365)
    return_address = forms.CharField(
        label=_("Return address on letters"), max_length=200, required=False,
        help_text=_("One line, for example: Afsender: Valby Lokaludvalg, Valgårdsvej 4, 2500 Valby."))


class LetterCodeForm(CleanInputMixin, forms.Form):
    code = forms.CharField(label=_("Your code from the letter"), max_length=40,
                           widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters",
                                                         "spellcheck": "false"}),
                           help_text=_("Twelve letters and digits, for example ABCD-EFGH-JKMN."),
                           error_messages={"required": _("Please type the code from your letter.")})
