"""Staff forms for events. Texts are asked for in each of the council's languages and turned
into {"da": ..., "en": ...} dicts for the services."""

from __future__ import annotations

import secrets

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicpanel.common.forms import CleanInputMixin
from civicpanel.events.models import Event, RegistrationQuestion, Session
from civicpanel.members.member_sets import member_sets
from civicpanel.questionnaires.forms import QuestionContentForm, add_texts, texts


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class EventForm(CleanInputMixin, forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=Event.Kind.choices)
    volunteer_deadline = forms.DateTimeField(
        label=gettext_lazy("Volunteering deadline"), widget=DateTimeInput(),
        help_text=gettext_lazy("Volunteers can sign up until then; the draw is made after it."))
    reply_days = forms.IntegerField(label=gettext_lazy("Days to accept an invitation"), min_value=1, max_value=30,
                                    initial=5)
    reserve_size = forms.IntegerField(label=gettext_lazy("Reserve list per session"), min_value=0, max_value=100,
                                      initial=5)
    reminder_hours = forms.IntegerField(label=gettext_lazy("Reminder, hours before each session"), min_value=1,
                                        max_value=336, initial=48)

    def __init__(self, *args, languages: list[str], event: Event | None = None, **kwargs):
        if event is not None:
            kwargs.setdefault("initial", {
                "kind": event.kind, "volunteer_deadline": event.volunteer_deadline, "reply_days": event.reply_days,
                "reserve_size": event.reserve_size, "reminder_hours": event.reminder_hours,
            })
        super().__init__(*args, **kwargs)
        self.languages = languages
        fields = dict(self.fields)
        self.fields.clear()
        add_texts(self, "title", _("Title"), languages, initial=event.title if event else None)
        add_texts(self, "description", _("Description"), languages, required_first=False, textarea=True, rows=5,
                  initial=event.description if event else None,
                  help_text=_("What it is about, what participants do, and what comes of it."))
        self.fields.update(fields)

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {"title": texts(data, "title", self.languages), "description": texts(data, "description", self.languages),
                "kind": data["kind"], "volunteer_deadline": data["volunteer_deadline"],
                "reply_days": data["reply_days"], "reserve_size": data["reserve_size"],
                "reminder_hours": data["reminder_hours"]}


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class OutcomeForm(CleanInputMixin, forms.Form):
    """What came of the event, in each of the council's languages, and when."""

    outcome_date = forms.DateField(label=gettext_lazy("Date"), required=False, widget=DateInput(),
                                   help_text=gettext_lazy("When the council decided or did it."))

    def __init__(self, *args, languages: list[str], event: Event, **kwargs):
        kwargs.setdefault("initial", {"outcome_date": event.outcome_date})
        super().__init__(*args, **kwargs)
        self.languages = languages
        date_field = self.fields.pop("outcome_date")
        add_texts(self, "outcome", _("What came of it"), languages, textarea=True, rows=5, initial=event.outcome,
                  help_text=_("What the council did with what the participants said: decided, changed, "
                              "planned. It is shown on the event's public page and the panel's site."))
        self.fields["outcome_date"] = date_field

    def service_kwargs(self) -> dict:
        return {"outcome": texts(self.cleaned_data, "outcome", self.languages),
                "outcome_date": self.cleaned_data.get("outcome_date")}


class SessionForm(CleanInputMixin, forms.Form):
    starts_at = forms.DateTimeField(label=gettext_lazy("Starts"), widget=DateTimeInput())
    duration_minutes = forms.IntegerField(label=gettext_lazy("Duration (minutes)"), min_value=10, max_value=600,
                                          initial=90)
    capacity = forms.IntegerField(label=gettext_lazy("Seats"), min_value=1, max_value=500)
    place = forms.CharField(label=gettext_lazy("Place"), required=False, max_length=300,
                            help_text=gettext_lazy("Address and room. Leave empty for an online session."))
    online_link = forms.URLField(label=gettext_lazy("Online link"), required=False, assume_scheme="https")

    def __init__(self, *args, languages: list[str], session: Session | None = None, **kwargs):
        if session is not None:
            kwargs.setdefault("initial", {
                "starts_at": session.starts_at, "duration_minutes": session.duration_minutes,
                "capacity": session.capacity, "place": session.place, "online_link": session.online_link,
            })
        super().__init__(*args, **kwargs)
        self.languages = languages
        add_texts(self, "accessibility", _("Accessibility notes"), languages, required_first=False, textarea=True,
                  initial=session.accessibility if session else None,
                  help_text=_("Step-free access, hearing loop, toilets, how to get there."))

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {"starts_at": data["starts_at"], "duration_minutes": data["duration_minutes"],
                "capacity": data["capacity"], "place": data["place"].strip(), "online_link": data["online_link"],
                "accessibility": texts(data, "accessibility", self.languages)}


class QuestionKindForm(CleanInputMixin, forms.Form):
    """The first step of adding a question to the volunteer form: its kind (every kind a survey
    question can have); the second step is the questionnaire builder's form for that kind."""

    kind = forms.ChoiceField(label=gettext_lazy("Kind of question"), widget=forms.RadioSelect,
                             choices=RegistrationQuestion.Kind.choices)


class QuestionForm(QuestionContentForm):
    """One question of the volunteer form: the questionnaire builder's form, as for a survey
    question (without display conditions: the volunteer form is a single page)."""

    def service_kwargs(self) -> dict:
        return {"kind": self.kind, **self.content_kwargs()}


class AudienceForm(CleanInputMixin, forms.Form):
    """Who is called, as for a survey's sending: a saved segment, or a filter of profile
    categories and groups other apps know of (nothing ticked under a question: everyone); then
    everyone in it or a representative sample."""

    segment = forms.ChoiceField(label=gettext_lazy("Saved segment"), required=False)
    audience = forms.ChoiceField(
        label=gettext_lazy("Whom to call"), required=False, widget=forms.RadioSelect, initial="all",
        choices=[("all", gettext_lazy("Everyone in the whole panel, or in the segment or filter")),
                 ("sample", gettext_lazy("A representative sample of them"))])
    sample_size = forms.IntegerField(label=gettext_lazy("Sample size"), required=False, min_value=1, max_value=100000)
    sample_seed = forms.IntegerField(
        label=gettext_lazy("Seed"), required=False, min_value=0, max_value=2**31 - 1,
        help_text=gettext_lazy("The same seed and audience give the same sample. Leave empty for a random seed; "
                               "it is shown and stored with the sending."))

    def __init__(self, *args, questions, segments=(), council=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions
        self.fields["segment"].choices = [("", _("None: use the filter below"))] + [(str(s.pk), s.name) for s in segments]
        self.segments = {str(s.pk): s for s in segments}
        for question in questions:
            self.fields[f"f_{question.key}"] = forms.MultipleChoiceField(
                label=question.text, required=False, widget=forms.CheckboxSelectMultiple,
                choices=[(o.code, o.text) for o in question.options.all()])
        # Groups other apps know of (e.g. those who attended an earlier event), shown only when they have any.
        self.member_sets = []
        for registered in member_sets():
            choices = registered.choices(council) if council is not None else []
            if choices:
                self.member_sets.append(registered)
                self.fields[f"f_{registered.key}"] = forms.MultipleChoiceField(
                    label=registered.label, required=False, widget=forms.CheckboxSelectMultiple, choices=choices)

    @property
    def filter_fields(self):
        return [self[f"f_{q.key}"] for q in self.questions] + [self[f"f_{s.key}"] for s in self.member_sets]

    def chosen_segment(self):
        if not self.is_valid():
            return None
        return self.segments.get(self.cleaned_data.get("segment") or "")

    def filters(self) -> dict[str, list[str]]:
        """The chosen segment's filter, or the categories ticked."""
        if not self.is_valid():
            return {}
        segment = self.chosen_segment()
        if segment is not None:
            return dict(segment.filters)
        keys = [q.key for q in self.questions] + [s.key for s in self.member_sets]
        return {key: self.cleaned_data[f"f_{key}"] for key in keys if self.cleaned_data.get(f"f_{key}")}

    def sample(self) -> tuple[int, int] | None:
        """(size, seed) when a representative sample is asked for."""
        if not self.is_valid() or self.cleaned_data.get("audience") != "sample" or not self.cleaned_data.get("sample_size"):
            return None
        seed = self.cleaned_data.get("sample_seed")
        return self.cleaned_data["sample_size"], (secrets.randbelow(2**31 - 1) if seed is None else seed)


class DrawForm(CleanInputMixin, forms.Form):
    tolerance = forms.IntegerField(
        label=gettext_lazy("Tolerance (seats either side of the population share)"), min_value=0, max_value=50,
        initial=1)

    def __init__(self, *args, features, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["features"] = forms.MultipleChoiceField(
            label=_("Balance on"), required=False, widget=forms.CheckboxSelectMultiple,
            choices=[(f.key, f.question.text) for f in features], initial=[f.key for f in features],
            help_text=_("Profile questions with population figures."))



class VolunteerForm(CleanInputMixin, forms.Form):
    """The volunteer form's submitted data, cleaned like every form residents type into. Its
    fields (the sessions and the event's own questions, `questionnaires.kinds`) are drawn by the
    page and checked by `services.volunteer_submit`, which reports errors per question."""

    def session_ids(self) -> list[int]:
        return [int(v) for v in self.data.getlist("sessions") if v.isdecimal()]
