"""Forms of the staff member pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from civicpanel.common.forms import CleanInputMixin
from civicpanel.members.contact import clean_phone, clean_postal_address
from civicpanel.members.models import Member
from civicpanel.members.profile import profile_fields
from civicpanel.members.selectors import RESERVED_FILTER_KEYS
from civicpanel.panel.models import POSTAL_CODE_FIELD, ProfileQuestion
from civicpanel.tenancy.models import LANGUAGE_CHOICES

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class MemberFilterForm(CleanInputMixin, forms.Form):
    """The filter of the member list, in the URL (GET) so a filtered list can be bookmarked
    and exported. Field names are the filter keys of selectors.members_filter."""

    q = forms.CharField(label=_("Search e-mail or name"), required=False, max_length=200,
                        widget=forms.TextInput(attrs={"type": "search"}),
                        help_text=_("A whole e-mail address finds exactly that member, at once. Part of an address "
                                    "or a name is looked for among the members the other filters leave: narrow "
                                    "them first on a big panel."))
    status = forms.MultipleChoiceField(label=_("Status"), required=False, choices=Member.Status.choices,
                                       widget=forms.CheckboxSelectMultiple)
    campaign = forms.ChoiceField(label=_("Recruitment campaign"), required=False)
    joined_after = forms.DateField(label=_("Joined on or after"), required=False, widget=DATE_WIDGET)
    joined_before = forms.DateField(label=_("Joined on or before"), required=False, widget=DATE_WIDGET)

    def __init__(self, *args, questions: list[ProfileQuestion], campaigns: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions  # the list page filters with the same, without reading them again
        self.fields["campaign"].choices = [("", _("All"))] + campaigns
        if not campaigns:
            del self.fields["campaign"]
        self.question_fields = []
        for question in questions:
            if question.key in RESERVED_FILTER_KEYS or question.key in ("page", "sort") or not question.options.all():
                continue
            label = question.text
            if question.kind == ProfileQuestion.Kind.BIRTH_YEAR:
                label = _("Age")
            self.fields[question.key] = forms.MultipleChoiceField(
                label=label, required=False, widget=forms.CheckboxSelectMultiple,
                choices=[(option.code, option.text) for option in question.options.all()],
            )
            self.question_fields.append(question.key)

    @property
    def general_fields(self):
        return [self[name] for name in ("q", "status", "campaign", "joined_after", "joined_before") if name in self.fields]

    @property
    def profile_filtered(self) -> bool:
        """Whether any profile question is part of the filter (the profile part starts open)."""
        return self.is_bound and any(self.data.getlist(key) if hasattr(self.data, "getlist") else self.data.get(key)
                                     for key in self.question_fields)

    @property
    def profile_bound_fields(self):
        return [self[name] for name in self.question_fields]

    def filters(self) -> dict:
        """The cleaned filter as JSON-ready data (empty values left out)."""
        if not self.is_bound or not self.is_valid():
            return {}
        result = {}
        for name, value in self.cleaned_data.items():
            if value in (None, "", []):
                continue
            result[name] = value.isoformat() if hasattr(value, "isoformat") else value
        return result


class MemberStatusForm(CleanInputMixin, forms.Form):
    status = forms.ChoiceField(choices=[(Member.Status.ACTIVE, _("Resume")), (Member.Status.PAUSED, _("Pause"))])


class MemberEditForm(CleanInputMixin, forms.Form):
    """Name, language and profile, with the same fields and checks as the resident's own form.

    Unlike the resident, staff may leave a required question unanswered (a member imported
    without it, say); an empty required question is then left as it was."""

    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    language = forms.ChoiceField(label=_("Language"))
    postal_address = forms.CharField(
        label=_("Postal address (optional)"), required=False, max_length=400,
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "off"}),
        help_text=_("As on an envelope: street and number, more lines if needed, postal code and town. "
                    "Printed in the envelope's window on the member's paper questionnaires."))
    phone = forms.CharField(label=_("Phone number (optional)"), required=False, max_length=40,
                            widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
                            help_text=_("On the call list of phone surveys."))

    def clean_postal_address(self):
        return clean_postal_address(self.cleaned_data.get("postal_address"))

    def clean_phone(self):
        return clean_phone(self.cleaned_data.get("phone"))

    def __init__(self, *args, council, **kwargs):
        super().__init__(*args, **kwargs)
        self.council = council
        self.fields["language"].choices = [(code, label) for code, label in LANGUAGE_CHOICES
                                           if code in council.language_codes]
        self.profile_keys = []
        self.required_keys = set()
        for key, field in profile_fields(council).items():
            if field.required:
                self.required_keys.add(key)
            field.required = False
            self.fields[key] = field
            self.profile_keys.append(key)

    def profile_values(self) -> dict:
        values = {}
        for key in self.profile_keys:
            value = self.cleaned_data.get(key)
            if value in (None, "", []) and key in self.required_keys:
                continue
            values[key] = value
        if values.get(POSTAL_CODE_FIELD) is None and POSTAL_CODE_FIELD in values:
            values[POSTAL_CODE_FIELD] = ""
        return values


class ImportUploadForm(CleanInputMixin, forms.Form):
    file = forms.FileField(label=_("CSV file"), help_text=_("Separated by commas or semicolons, UTF-8 or as Excel saves it."),
                           widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 5 * 1024 * 1024:
            raise forms.ValidationError(_("The file is larger than 5 MB; split it in parts."))
        return upload


class ImportConfirmForm(CleanInputMixin, forms.Form):
    """The second step: the checked file comes back as text, with the two explicit choices."""

    content = forms.CharField(widget=forms.HiddenInput, strip=False)
    filename = forms.CharField(widget=forms.HiddenInput, required=False, max_length=255)
    skip_bad_lines = forms.BooleanField(
        label=_("Skip the lines with errors and import only the others"), required=False,
    )
    consent_documented = forms.BooleanField(
        label=_("Consent is already documented for every person in the file"), required=False,
        widget=forms.CheckboxInput(attrs={"aria-describedby": "id_consent_documented_helptext"}),
        help_text=_("Tick only if the council holds each person's own consent to the current consent text "
                    "(for example a signed paper form). They become active members at once, with that consent "
                    "version recorded. Otherwise they are added as awaiting confirmation: they get no "
                    "survey invitations and do not count until they confirm and agree to the consent text "
                    "themselves."),
    )
    consent_channel = forms.ChoiceField(
        label=_("How the consent was given"), required=False, initial="paper", widget=forms.RadioSelect,
        choices=[("paper", _("On a paper form")), ("import", _("In another system, imported from there"))],
    )
    invite = forms.BooleanField(
        label=_("E-mail each new member a link to confirm"), required=False, initial=True,
        widget=forms.CheckboxInput(attrs={"aria-describedby": "id_invite_helptext"}),
        help_text=_("Only for members awaiting confirmation. The link is valid for 7 days; you can send a new "
                    "one from the member's page. Members who never confirm are deleted 30 days after the "
                    "import or after their last link, whichever is later."),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")  # the checkbox labels are sentences
        super().__init__(*args, **kwargs)
