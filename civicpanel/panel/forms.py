"""Forms of the council admin's settings pages (profile questions, consent, population
figures, campaigns). Texts that members read are asked for in each of the council's languages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from civicpanel.common.forms import CleanInputMixin
from civicpanel.panel.models import RESERVED_FIELD_NAMES, Campaign, ProfileQuestion
from civicpanel.panel.population import MAX_BYTES
from civicpanel.tenancy.models import LANGUAGE_CHOICES

LANGUAGE_NAMES = dict(LANGUAGE_CHOICES)
RESERVED_PROFILE_KEYS = RESERVED_FIELD_NAMES | {"status", "q", "campaign", "joined_after", "joined_before", "page", "sort"}


class TranslatedTextMixin:
    """Adds one field per council language named `<prefix>_<lang>`, and collects them back
    into a {"da": ..., "nb": ..., "en": ...} dict."""

    def add_language_fields(self, *, languages: list[str], prefix: str, label, initial: dict | None,
                            textarea: bool = False, max_length: int = 300) -> None:
        self._language_prefixes = getattr(self, "_language_prefixes", {})
        self._language_prefixes[prefix] = languages
        for lang in languages:
            widget = forms.Textarea(attrs={"rows": 8, "lang": lang}) if textarea else forms.TextInput(attrs={"lang": lang})
            self.fields[f"{prefix}_{lang}"] = forms.CharField(
                label=_("%(label)s (%(language)s)") % {"label": label, "language": LANGUAGE_NAMES.get(lang, lang)},
                initial=(initial or {}).get(lang, ""), widget=widget,
                max_length=None if textarea else max_length,
            )

    def texts(self, prefix: str) -> dict[str, str]:
        return {lang: self.cleaned_data[f"{prefix}_{lang}"].strip() for lang in self._language_prefixes[prefix]}


class ProfileQuestionForm(CleanInputMixin, TranslatedTextMixin, forms.Form):
    required = forms.BooleanField(label=_("Members must answer this question"), required=False)
    active = forms.BooleanField(label=_("Ask this question (active)"), required=False,
                                help_text=_("An inactive question is not shown to members; earlier answers are kept."))

    def __init__(self, *args, question: ProfileQuestion, languages: list[str], **kwargs):
        kwargs.setdefault("initial", {"required": question.required, "active": question.active})
        super().__init__(*args, **kwargs)
        self.add_language_fields(languages=languages, prefix="label", label=_("Question"), initial=question.label)
        self.order_fields([f"label_{lang}" for lang in languages] + ["required", "active"])


class ProfileQuestionAddForm(CleanInputMixin, TranslatedTextMixin, forms.Form):
    key = forms.SlugField(label=_("Key"), max_length=50,
                          help_text=_("A short name used in exports and population files, e.g. transport. "
                                      "Lower-case letters, digits, - and _."))
    kind = forms.ChoiceField(label=_("Kind"), choices=[(ProfileQuestion.Kind.SINGLE, ProfileQuestion.Kind.SINGLE.label),
                                                       (ProfileQuestion.Kind.MULTI, ProfileQuestion.Kind.MULTI.label)],
                             widget=forms.RadioSelect)
    required = forms.BooleanField(label=_("Members must answer this question"), required=False)

    def __init__(self, *args, languages: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.add_language_fields(languages=languages, prefix="label", label=_("Question"), initial=None)
        self.order_fields(["key"] + [f"label_{lang}" for lang in languages] + ["kind", "required"])

    def clean_key(self):
        key = self.cleaned_data["key"].lower()
        # Keys name form fields and member-filter parameters: these are taken.
        if key in RESERVED_PROFILE_KEYS:
            raise forms.ValidationError(_("The key %(key)s is reserved; choose another.") % {"key": key})
        return key


class ProfileOptionForm(CleanInputMixin, TranslatedTextMixin, forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=50,
                           help_text=_("A short name used in exports and population files, e.g. bus."))

    def __init__(self, *args, languages: list[str], option=None, **kwargs):
        super().__init__(*args, **kwargs)
        if option is not None:
            del self.fields["code"]
        self.add_language_fields(languages=languages, prefix="label", label=_("Option"),
                                 initial=option.label if option is not None else None)

    def clean_code(self):
        return self.cleaned_data["code"].lower()


class ConsentForm(CleanInputMixin, TranslatedTextMixin, forms.Form):
    covers_news = forms.BooleanField(
        label=_("This text asks consent to e-mail members news and results"), required=False,
        help_text=_("Newsletters and “what came of it” e-mails go only to members who agreed to a version "
                    "with this ticked (and who want news)."))

    def __init__(self, *args, languages: list[str], current: dict | None, covers_news: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_language_fields(languages=languages, prefix="text", label=_("Consent text"), initial=current,
                                 textarea=True)
        self.fields["covers_news"].initial = covers_news
        self.order_fields([f"text_{lang}" for lang in languages] + ["covers_news"])


class PopulationUploadForm(CleanInputMixin, forms.Form):
    file = forms.FileField(label=_("CSV file"),
                           help_text=_("Semicolon- or comma-separated, as exported from Statistics Denmark or "
                                       "Statistics Norway, or in the plain layout question;category;count."),
                           widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv,text/plain"}))
    source = forms.CharField(label=_("Source"), max_length=300, required=False,
                             help_text=_("For example: Statistics Denmark, FOLK1A, 1 January 2025. If empty, "
                                         "the file's title line (or source column) is used."))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(_("The file is too large (at most 2 MB)."))
        return upload.read()


class PopulationConfirmForm(CleanInputMixin, forms.Form):
    """The checked file travels back with the confirmation and is checked again before saving,
    so nothing is kept on the server between preview and confirm."""

    data = forms.CharField(widget=forms.HiddenInput, max_length=MAX_BYTES, strip=False)
    source = forms.CharField(widget=forms.HiddenInput, required=False, max_length=300)


class PopulationQuestionForm(CleanInputMixin, forms.Form):
    source = forms.CharField(label=_("Source"), max_length=300, required=False,
                             help_text=_("Where the figures come from, e.g. Statistics Norway, table 07459, 2025."))

    def __init__(self, *args, figures, **kwargs):
        super().__init__(*args, **kwargs)
        self.options = []
        for row in figures.rows:
            name = f"option_{row.option.pk}"
            self.fields[name] = forms.IntegerField(label=row.option.text, min_value=0, initial=row.count,
                                                   widget=forms.NumberInput(attrs={"inputmode": "numeric"}))
            self.options.append((name, row.option))
        self.order_fields([name for name, _option in self.options] + ["source"])

    def counts(self) -> dict[int, int]:
        return {option.pk: self.cleaned_data[name] for name, option in self.options}


class CampaignForm(CleanInputMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200, help_text=_("For example: Posters at Valby station, May 2026."))
    code = forms.SlugField(label=_("Code"), max_length=40,
                           help_text=_("Goes into the sign-up link, e.g. poster-station. Lower-case letters, digits, - and _."))
    channel = forms.ChoiceField(label=_("Channel"), choices=Campaign.Channel.choices)

    def clean_code(self):
        return self.cleaned_data["code"].lower()
