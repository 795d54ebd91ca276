"""Staff forms for the builder and for sending. Texts are asked for in each of the council's
languages; the form turns them into {"da": ..., "en": ...} dicts for the services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicpanel.common.forms import CleanInputMixin
from civicpanel.members.member_sets import member_sets
from civicpanel.questionnaires.forms import LANGUAGE_NAMES, QuestionContentForm  # noqa: F401 - LANGUAGE_NAMES: surveys' name
from civicpanel.questionnaires.forms import add_texts as _add_texts
from civicpanel.questionnaires.forms import texts as _texts
from civicpanel.surveys import conditions, purpose
from civicpanel.surveys.models import Question, Survey
from civicpanel.surveys.questions import option_codes


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class SurveyForm(CleanInputMixin, forms.Form):
    opens_at = forms.DateTimeField(label=gettext_lazy("Opens"), required=False, widget=DateTimeInput(),
                                   help_text=gettext_lazy("Leave empty to take answers as soon as the survey is opened."))
    closes_at = forms.DateTimeField(label=gettext_lazy("Closes"), required=False, widget=DateTimeInput())
    anonymous = forms.BooleanField(
        label=gettext_lazy("Anonymous: cut the link between answers and members when the survey closes"),
        required=False,
        help_text=gettext_lazy("Cannot be switched off once someone has answered."),
    )
    reminder_count = forms.IntegerField(label=gettext_lazy("Number of reminders"), min_value=0, max_value=5, initial=1)
    reminder_interval_days = forms.IntegerField(label=gettext_lazy("Days between invitation and each reminder"),
                                                min_value=1, max_value=60, initial=4)

    def __init__(self, *args, languages: list[str], survey: Survey | None = None, **kwargs):
        if survey is not None:
            kwargs.setdefault("initial", {
                "opens_at": survey.opens_at, "closes_at": survey.closes_at, "anonymous": survey.anonymous,
                "reminder_count": survey.reminder_count, "reminder_interval_days": survey.reminder_interval_days,
            })
        super().__init__(*args, **kwargs)
        self.languages = languages
        fields = dict(self.fields)
        self.fields.clear()
        _add_texts(self, "title", _("Title"), languages, initial=survey.title if survey else None)
        _add_texts(self, "intro", _("Introduction"), languages, required_first=False, textarea=True,
                   initial=survey.intro if survey else None,
                   help_text=_("Shown above the first page: what the survey is about and how long it takes."))
        _add_texts(self, "thanks", _("Thank-you text"), languages, required_first=False, textarea=True,
                   initial=survey.thanks if survey else None,
                   help_text=_("Shown at the end: say what happens next and when the results will be shared."))
        self.fields.update(fields)

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "title": _texts(data, "title", self.languages), "intro": _texts(data, "intro", self.languages),
            "thanks": _texts(data, "thanks", self.languages), "opens_at": data["opens_at"],
            "closes_at": data["closes_at"], "anonymous": data["anonymous"],
            "reminder_count": data["reminder_count"], "reminder_interval_days": data["reminder_interval_days"],
        }


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class PurposeForm(CleanInputMixin, forms.Form):
    """Why the survey is asked, for whom, and how the answers will be used (the first language
    required: sending needs them); later what was decided and done, with dates."""

    def __init__(self, *args, languages: list[str], survey: Survey, **kwargs):
        super().__init__(*args, **kwargs)
        self.languages = languages
        _add_texts(self, "purpose", purpose.LABELS["purpose"], languages, textarea=True, initial=survey.purpose,
                   help_text=_("The question the council needs answered, in a sentence or two residents understand."))
        _add_texts(self, "committee", purpose.LABELS["committee"], languages, initial=survey.committee,
                   help_text=_("For example the committee that asked for the survey, or the case number."))
        _add_texts(self, "answers_use", purpose.LABELS["answers_use"], languages, textarea=True,
                   initial=survey.answers_use,
                   help_text=_("What the answers feed into and when: a meeting, a plan, a consultation."))
        _add_texts(self, "decision", purpose.LABELS["decision"], languages, required_first=False, textarea=True,
                   initial=survey.decision,
                   help_text=_("Fill this in when the committee has decided. Residents see it with the results."))
        self.fields["decision_date"] = forms.DateField(label=purpose.LABELS["decision_date"], required=False,
                                                       widget=DateInput(), initial=survey.decision_date)
        _add_texts(self, "outcome", purpose.LABELS["outcome"], languages, required_first=False, textarea=True,
                   initial=survey.outcome, help_text=_("What the council did after the decision."))
        self.fields["outcome_date"] = forms.DateField(label=purpose.LABELS["outcome_date"], required=False,
                                                      widget=DateInput(), initial=survey.outcome_date)

    def _group(self, names) -> list:
        return [self[key] for key in self.fields if key.rsplit("_", 1)[0] in names or key in names]

    def before_sending(self) -> list:
        return self._group(purpose.REQUIRED_BEFORE_SENDING)

    def after_decision(self) -> list:
        return self._group(("decision", "decision_date", "outcome", "outcome_date"))

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        texts = {name: _texts(data, name, self.languages) for name in purpose.TEXT_FIELDS}
        return {**texts, "decision_date": data.get("decision_date"), "outcome_date": data.get("outcome_date")}


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


class ConditionFields(CleanInputMixin, forms.Form):
    """The three fields of a display condition, shared by the question and page forms."""

    def add_condition_fields(self, sources: list[Question], current: dict | None) -> None:
        choices = [("", _("Always show"))] + [(q.uid, q.label[:80]) for q in sources
                                                if q.kind in conditions.CONDITION_KINDS]
        value = (current or {}).get("value", "")
        self.fields["condition_question"] = forms.ChoiceField(
            label=_("Show only if the answer to"), choices=choices, required=False,
            initial=(current or {}).get("question", ""),
            help_text=_("Only questions on earlier pages can be chosen."),
        )
        self.fields["condition_op"] = forms.ChoiceField(
            label=_("Condition"), choices=list(conditions.OPERATORS.items()), required=False,
            initial=(current or {}).get("op", "equals"),
        )
        codes = "; ".join(
            f"{q.label[:40]}: " + ", ".join(f"{c} = {label}" for c, label in _option_pairs(q))
            for q in sources if q.kind in (Question.Kind.SINGLE, Question.Kind.MULTI)
        )
        self.fields["condition_value"] = forms.CharField(
            label=_("Value"), required=False,
            initial=", ".join(str(v) for v in value) if isinstance(value, list) else value,
            help_text=_("An option code (several separated by commas for “is one of”), yes or no, or a number. Codes: %(codes)s")
            % {"codes": codes or "–"},
        )

    def condition(self) -> dict | None:
        uid = self.cleaned_data.get("condition_question")
        if not uid:
            return None
        return {"question": uid, "op": self.cleaned_data.get("condition_op") or "equals",
                "value": self.cleaned_data.get("condition_value", "")}


def _option_pairs(question: Question) -> list[tuple[str, str]]:
    from civicpanel.surveys.questions import option_label

    return [(code, option_label(question, code)) for code in option_codes(question)]


class PageForm(ConditionFields):
    def __init__(self, *args, languages: list[str], page, sources: list[Question], **kwargs):
        super().__init__(*args, **kwargs)
        self.languages = languages
        _add_texts(self, "title", _("Page title"), languages, required_first=False, initial=page.title)
        self.add_condition_fields(sources, page.condition)

    def titles(self) -> dict:
        return _texts(self.cleaned_data, "title", self.languages)


class QuestionForm(QuestionContentForm, ConditionFields):
    """Everything about one survey question: its content (the questionnaire builder's form,
    shared with events) and, on a survey, a display condition on earlier questions."""

    def __init__(self, *args, languages: list[str], kind: str, question: Question | None = None,
                 sources: list[Question], **kwargs):
        super().__init__(*args, languages=languages, kind=kind, question=question, **kwargs)
        if kind != Question.Kind.INFO or sources:
            self.add_condition_fields(sources, question.condition if question else None)

    def service_kwargs(self) -> dict:
        return {**self.content_kwargs(), "condition": self.condition()}


class AudienceForm(CleanInputMixin, forms.Form):
    """Who is asked: a saved segment, or a filter of profile categories (nothing ticked under a
    question means everyone for that question)."""

    segment = forms.ChoiceField(label=gettext_lazy("Saved segment"), required=False)
    segment_name = forms.CharField(label=gettext_lazy("Save this filter as a segment named"), required=False,
                                   max_length=120)
    send_at = forms.DateTimeField(label=gettext_lazy("Send at"), required=False, widget=DateTimeInput(),
                                  help_text=gettext_lazy("Leave empty to send now."))
    channel = forms.ChoiceField(
        label=gettext_lazy("How they are asked"), required=False, widget=forms.RadioSelect, initial="email",
        choices=[("email", gettext_lazy("By e-mail: members with a working e-mail address")),
                 ("paper", gettext_lazy("On paper: members without e-mail get a printed questionnaire")),
                 ("phone", gettext_lazy("By phone: staff call members without e-mail and type in their answers"))],
    )
    audience = forms.ChoiceField(
        label=gettext_lazy("Whom to invite"), required=False, widget=forms.RadioSelect, initial="all",
        choices=[("all", gettext_lazy("Everyone in the whole panel, or in the segment or filter")),
                 ("sample", gettext_lazy("A representative sample of them"))],
    )
    sample_size = forms.IntegerField(
        label=gettext_lazy("Sample size"), required=False, min_value=1, max_value=100000,
        help_text=gettext_lazy("How many members. When adjusting for response rates: how many answers are "
                               "expected, and more members are invited."),
    )
    sample_seed = forms.IntegerField(
        label=gettext_lazy("Seed"), required=False, min_value=0, max_value=2**31 - 1,
        help_text=gettext_lazy("The same seed and audience give the same sample. Leave empty for a random seed; "
                               "it is shown and stored with the sending."),
    )
    sample_adjust = forms.BooleanField(
        label=gettext_lazy("Adjust for expected response rates"), required=False,
        help_text=gettext_lazy("Invite more members in groups that answer less often (from each member's earlier "
                               "invitations), so that the expected answers match the population."),
    )

    sample_features = forms.MultipleChoiceField(
        label=gettext_lazy("Make the sample match the population on"), required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Profile questions with population figures, as many as you like. The results can "
                               "still be weighted on all of them."),
    )

    def __init__(self, *args, questions, segments, sample_features=(), council=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sample_features"].choices = [(f.key, f.question.text) for f in sample_features]
        self.questions = questions
        self.fields["segment"].choices = [("", _("None: use the filter below"))] + [(str(s.pk), s.name) for s in segments]
        self.segments = {str(s.pk): s for s in segments}
        for question in questions:
            self.fields[f"f_{question.key}"] = forms.MultipleChoiceField(
                label=question.text, required=False, widget=forms.CheckboxSelectMultiple,
                choices=[(o.code, o.text) for o in question.options.all()],
            )
        # Groups other apps know of (e.g. those who attended an event), shown only when they have any.
        self.member_sets = []
        for registered in member_sets():
            choices = registered.choices(council) if council is not None else []
            if choices:
                self.member_sets.append(registered)
                self.fields[f"f_{registered.key}"] = forms.MultipleChoiceField(
                    label=registered.label, required=False, widget=forms.CheckboxSelectMultiple, choices=choices)

    def filter_fields(self):
        return [self[f"f_{q.key}"] for q in self.questions] + [self[f"f_{s.key}"] for s in self.member_sets]

    def chosen_channel(self) -> str:
        return self.cleaned_data.get("channel") or "email"

    def chosen_segment(self):
        return self.segments.get(self.cleaned_data.get("segment") or "")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("audience") == "sample" and not cleaned.get("sample_size") and "sample_size" not in self.errors:
            self.add_error("sample_size", _("Give the number of members in the sample."))
        return cleaned

    def sample_request(self):
        """The sample asked for, or None for everyone in the audience."""
        from civicpanel.surveys.sampling import SampleRequest, new_seed

        data = self.cleaned_data
        if data.get("audience") != "sample" or not data.get("sample_size"):
            return None
        seed = data.get("sample_seed")
        return SampleRequest(size=data["sample_size"], seed=new_seed() if seed is None else seed,
                             adjust_for_response=bool(data.get("sample_adjust")),
                             features=tuple(data.get("sample_features") or ()) or None)

    def filters(self) -> dict[str, list[str]]:
        segment = self.chosen_segment()
        if segment is not None:
            return dict(segment.filters)
        keys = [q.key for q in self.questions] + [s.key for s in self.member_sets]
        return {key: self.cleaned_data[f"f_{key}"] for key in keys if self.cleaned_data.get(f"f_{key}")}
