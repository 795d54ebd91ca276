from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicpanel.common.forms import CleanInputMixin
from civicpanel.members.member_sets import member_sets
from civicpanel.newsletters.markup import markup_problems
from civicpanel.surveys.forms import DateTimeInput
from civicpanel.tenancy.models import LANGUAGE_CHOICES

BODY_HELP = gettext_lazy(
    "A blank line starts a new paragraph. ## at the start of a line makes a heading, ### a subheading; "
    "- or 1. starts a list item; [link text](https://example.dk) makes a link (a bare https:// address "
    "works too); **words** are shown in bold. HTML is not used."
)


class NewsletterForm(CleanInputMixin, forms.Form):
    """Subject and text in each language the council uses, and who gets it: a saved segment or
    categories ticked per profile question (nothing ticked: everyone for that question)."""

    segment = forms.ChoiceField(label=gettext_lazy("Saved segment"), required=False)

    def __init__(self, *args, languages: list[str], questions, segments, council, newsletter=None, **kwargs):
        if newsletter is not None:
            initial = {"segment": str(newsletter.segment_id or "")}
            for code in languages:
                initial[f"subject_{code}"] = newsletter.subject.get(code, "")
                initial[f"body_{code}"] = newsletter.body.get(code, "")
            for key, values in (newsletter.filters or {}).items():
                initial[f"f_{key}"] = values
            kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        names = dict(LANGUAGE_CHOICES)
        self.languages = languages
        segment_field = self.fields.pop("segment")
        for i, code in enumerate(languages):
            self.fields[f"subject_{code}"] = forms.CharField(
                label=_("Subject (%(language)s)") % {"language": names.get(code, code)}, max_length=200,
                required=i == 0)
            self.fields[f"body_{code}"] = forms.CharField(
                label=_("Text (%(language)s)") % {"language": names.get(code, code)}, required=False,
                max_length=20000, widget=forms.Textarea(attrs={"rows": 14}), help_text=BODY_HELP if i == 0 else "")
        self.fields["segment"] = segment_field
        segment_field.choices = [("", _("None: use the categories below"))] + [(str(s.pk), s.name) for s in segments]
        self.segments = {str(s.pk): s for s in segments}
        self.filter_keys = []
        for question in questions:
            self.fields[f"f_{question.key}"] = forms.MultipleChoiceField(
                label=question.text, required=False, widget=forms.CheckboxSelectMultiple,
                choices=[(o.code, o.text) for o in question.options.all()])
            self.filter_keys.append(question.key)
        for registered in member_sets():
            choices = registered.choices(council)
            if choices:
                self.fields[f"f_{registered.key}"] = forms.MultipleChoiceField(
                    label=registered.label, required=False, widget=forms.CheckboxSelectMultiple, choices=choices)
                self.filter_keys.append(registered.key)

    def language_fields(self):
        names = dict(LANGUAGE_CHOICES)
        return [(code, names.get(code, code), self[f"subject_{code}"], self[f"body_{code}"]) for code in self.languages]

    def filter_fields(self):
        return [self[f"f_{key}"] for key in self.filter_keys]

    def clean(self):
        cleaned = super().clean()
        for code in self.languages:
            for problem in markup_problems(cleaned.get(f"body_{code}") or ""):
                self.add_error(f"body_{code}", problem)
        return cleaned

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        segment = self.segments.get(data.get("segment") or "")
        return {
            "subject": {code: data.get(f"subject_{code}") or "" for code in self.languages},
            "body": {code: data.get(f"body_{code}") or "" for code in self.languages},
            "segment": segment,
            "filters": {key: data[f"f_{key}"] for key in self.filter_keys if data.get(f"f_{key}")},
        }


class WhenForm(CleanInputMixin, forms.Form):
    """Send now, or at a set time (the worker starts it then; until then it can be cancelled)."""

    when = forms.ChoiceField(label=gettext_lazy("When"), widget=forms.RadioSelect, initial="now",
                             choices=[("now", gettext_lazy("Now")), ("later", gettext_lazy("At a set time"))])
    send_at = forms.DateTimeField(label=gettext_lazy("Send at"), required=False, widget=DateTimeInput(),
                                  help_text=gettext_lazy("Date and time, in the council's time zone."))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("when") == "later":
            send_at = cleaned.get("send_at")
            if send_at is None and "send_at" not in self.errors:
                self.add_error("send_at", _("Give the date and time to send at."))
            elif send_at is not None and send_at <= timezone.now():
                self.add_error("send_at", _("Choose a time in the future."))
        else:
            cleaned["send_at"] = None
        return cleaned
