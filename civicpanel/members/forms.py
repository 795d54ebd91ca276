"""Forms for the resident-facing pages. The profile fields come from members.profile so that
sign-up, self-service and staff editing validate the same way."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from civicpanel.common.forms import CleanInputMixin
from civicpanel.members.contact import clean_phone, clean_postal_address
from civicpanel.members.profile import (
    POSTAL_CODE_FIELD,
    active_questions,
    profile_fields,
    profile_validate,
)


def language_choices(council) -> list[tuple[str, str]]:
    names = dict(settings.LANGUAGES)
    return [(code, names[code]) for code in council.language_codes if code in names]


def default_language(council) -> str:
    active = (get_language() or "")[:2]
    active = "nb" if active == "no" else active
    return active if active in council.language_codes else council.default_language


class ProfileFormMixin:
    """Adds the council's profile fields and checks them together (district or postal code)."""

    profile_keys: list[str]

    def add_profile_fields(self, council) -> None:
        self.council = council
        self.questions = active_questions(council)
        fields = profile_fields(council, questions=self.questions)
        self.profile_keys = list(fields)
        self.fields.update(fields)

    def clean_profile(self, cleaned_data: dict) -> None:
        values = {key: cleaned_data.get(key) for key in self.profile_keys if key not in self.errors}
        # Fields that already failed their own checks are not checked again.
        skip = {key for key in self.profile_keys if key in self.errors}
        questions = [q for q in self.questions if q.key not in skip and not (
            q.kind == "district" and POSTAL_CODE_FIELD in skip)]
        try:
            self.profile_values = profile_validate(self.council, values, questions=questions,
                                                   name_questions=False)
        except ValidationError as error:
            for key, messages in error.message_dict.items():
                self.add_error(key if key in self.fields else None, messages)

    def profile_bound_fields(self):
        return [self[key] for key in self.profile_keys]


class SignupForm(CleanInputMixin, ProfileFormMixin, forms.Form):
    email = forms.EmailField(label=_("E-mail address"), max_length=254,
                             widget=forms.EmailInput(attrs={"autocomplete": "email"}),
                             error_messages={"required": _("Please give your e-mail address."),
                                             "invalid": _("Please give a whole e-mail address, like name@example.dk.")})
    name = forms.CharField(label=_("Name (optional)"), max_length=200, required=False,
                           widget=forms.TextInput(attrs={"autocomplete": "name"}),
                           help_text=_("So that we can greet you by name. You can leave it empty."))
    language = forms.ChoiceField(label=_("Language for e-mails"))
    consent = forms.BooleanField(label=_("I agree to the text above."), required=True,
                                 error_messages={"required": _("Please tick the box to agree, or you cannot join.")})
    consent_version = forms.IntegerField(widget=forms.HiddenInput)
    campaign = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)
    source = forms.CharField(required=False, max_length=100, widget=forms.HiddenInput)

    def __init__(self, *args, council, consent_version, **kwargs):
        super().__init__(*args, **kwargs)
        self.consent_version_obj = consent_version
        self.fields["consent_version"].initial = consent_version.pk
        self.fields["language"].choices = language_choices(council)
        self.fields["language"].initial = default_language(council)
        if len(self.fields["language"].choices) < 2:
            self.fields["language"].widget = forms.HiddenInput()
        self.add_profile_fields(council)
        # Profile questions first, then the contact details and consent.
        order = [*self.profile_keys, "email", "name", "language", "consent", "consent_version", "campaign", "source"]
        self.order_fields(order)
        self.consent_changed = False
        if self.is_bound and str(self.data.get("consent_version", "")) != str(consent_version.pk):
            # The text changed while the page was open: show the new text, ask again.
            self.consent_changed = True
            self.data = self.data.copy()
            self.data.pop("consent", None)
            self.data["consent_version"] = str(consent_version.pk)

    def clean(self):
        cleaned_data = super().clean()
        if self.consent_changed:
            self.add_error("consent", _("The consent text has changed since you opened this page. "
                                        "Please read the new text and tick the box again."))
        self.clean_profile(cleaned_data)
        return cleaned_data


class EmailForm(CleanInputMixin, forms.Form):
    email = forms.EmailField(label=_("E-mail address"), max_length=254,
                             widget=forms.EmailInput(attrs={"autocomplete": "email"}),
                             error_messages={"required": _("Please give your e-mail address."),
                                             "invalid": _("Please give a whole e-mail address, like name@example.dk.")})


class ProfileForm(CleanInputMixin, ProfileFormMixin, forms.Form):
    name = forms.CharField(label=_("Name (optional)"), max_length=200, required=False,
                           widget=forms.TextInput(attrs={"autocomplete": "name"}))
    # Read by staff only for paper and phone sendings, which go to members e-mail cannot reach.
    postal_address = forms.CharField(
        label=_("Postal address (optional)"), required=False, max_length=400,
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "street-address"}),
        help_text=_("Street and number, postal code and town. Used only if e-mails to you cannot be delivered: "
                    "the panel may then send you its surveys on paper."))
    phone = forms.CharField(label=_("Phone number (optional)"), required=False, max_length=40,
                            widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
                            help_text=_("Used only if e-mails to you cannot be delivered: the panel may then call "
                                        "you to ask its survey questions."))

    def clean_postal_address(self):
        return clean_postal_address(self.cleaned_data.get("postal_address"))

    def clean_phone(self):
        return clean_phone(self.cleaned_data.get("phone"))

    def __init__(self, *args, council, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_profile_fields(council)

    def clean(self):
        cleaned_data = super().clean()
        self.clean_profile(cleaned_data)
        return cleaned_data


class PreferencesForm(CleanInputMixin, forms.Form):
    wants_surveys = forms.BooleanField(label=_("Invitations to surveys"), required=False)
    wants_events = forms.BooleanField(label=_("Invitations to workshops, focus groups and meetings"), required=False)
    wants_news = forms.BooleanField(label=_("News and results from the panel"), required=False)
    language = forms.ChoiceField(label=_("Language for e-mails and these pages"))

    def __init__(self, *args, council, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = language_choices(council)


class ConsentForm(CleanInputMixin, forms.Form):
    consent = forms.BooleanField(label=_("I agree to the text above."), required=True,
                                 error_messages={"required": _("Please tick the box to agree.")})
    consent_version = forms.IntegerField(widget=forms.HiddenInput)


class LeaveForm(CleanInputMixin, forms.Form):
    confirm = forms.BooleanField(
        label=_("Yes, erase my data and take me out of the panel."), required=True,
        error_messages={"required": _("Tick the box to confirm that you want to leave.")},
    )
