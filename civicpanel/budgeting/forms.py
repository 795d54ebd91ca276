"""Forms for rounds, ideas, assessment, ballots on paper and project updates. Texts staff write
for residents are asked for in each of the council's languages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicpanel.budgeting.models import Idea, Project, Round
from civicpanel.common.forms import CleanInputMixin, IdsChoiceField
from civicpanel.members.models import ProfileOption, ProfileQuestion

LANGUAGE_NAMES = {"da": gettext_lazy("Danish"), "nb": gettext_lazy("Norwegian"), "en": gettext_lazy("English")}


def add_texts(form: forms.Form, name: str, label, languages: list[str], *, required_first: bool = True,
              textarea: bool = False, initial: dict | None = None, help_text="") -> None:
    for i, language in enumerate(languages):
        widget = forms.Textarea(attrs={"rows": 3}) if textarea else forms.TextInput()
        form.fields[f"{name}_{language}"] = forms.CharField(
            label=f"{label} ({LANGUAGE_NAMES.get(language, language)})", required=required_first and i == 0,
            widget=widget, initial=(initial or {}).get(language, ""), help_text=help_text if i == 0 else "")


def texts(cleaned: dict, name: str, languages: list[str]) -> dict[str, str]:
    return {lang: cleaned[f"{name}_{lang}"].strip() for lang in languages if cleaned.get(f"{name}_{lang}", "").strip()}


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


RULE_FIELD_NAMES = ("citywide_budget", "rule", "completion", "ballot_kind", "max_projects", "points_total",
                    "min_age", "allow_members", "allow_residents", "allow_codes", "allow_change")


class RoundForm(CleanInputMixin, forms.ModelForm):
    class Meta:
        model = Round
        fields = ["published", "information_starts", "ideas_starts", "assessment_starts", "voting_starts",
                  "result_starts", "building_starts", "evaluation_starts", "currency", *RULE_FIELD_NAMES]
        widgets = {f"{s}_starts": DateInput() for s in ("information", "ideas", "assessment", "voting", "result",
                                                        "building", "evaluation")}
        help_texts = {
            "citywide_budget": gettext_lazy("The money all residents decide on together. 0 if the round has "
                                            "district budgets only."),
            "max_projects": gettext_lazy("For choosing and ranking. Empty: no limit."),
            "completion": gettext_lazy("Only for Equal Shares. Add-one is what Wieliczka, Świecie and Aarau used."),
        }

    def __init__(self, *args, council, **kwargs):
        super().__init__(*args, **kwargs)
        self.council = council
        self.languages = council.language_codes
        rnd = self.instance if self.instance.pk else None
        own = dict(self.fields)
        self.fields.clear()
        add_texts(self, "title", _("Title"), self.languages, initial=rnd.title if rnd else None)
        add_texts(self, "intro", _("Introduction"), self.languages, required_first=False, textarea=True,
                  initial=rnd.intro if rnd else None,
                  help_text=_("What the round is about, who decides, and what happens when."))
        self.fields.update(own)
        budgets = {rd.district_id: rd.budget for rd in rnd.district_budgets.all()} if rnd else {}
        self.districts = list(council.districts.all())
        for d in self.districts:
            self.fields[f"budget_{d.pk}"] = forms.IntegerField(
                label=_("Budget for %(district)s") % {"district": d.name}, min_value=0, required=False,
                initial=budgets.get(d.pk))

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        kwargs = {name: data[name] for name in self.Meta.fields}
        kwargs["title"] = texts(data, "title", self.languages)
        kwargs["intro"] = texts(data, "intro", self.languages)
        kwargs["budgets"] = {d: data.get(f"budget_{d.pk}") or 0 for d in self.districts}
        return kwargs


class IdeaForm(CleanInputMixin, forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=120)
    description = forms.CharField(label=gettext_lazy("Describe your idea"), max_length=3000,
                                  widget=forms.Textarea(attrs={"rows": 6}))
    district = forms.ModelChoiceField(label=gettext_lazy("District"), queryset=None, required=False,
                                      empty_label=gettext_lazy("The whole town"))
    place = forms.CharField(label=gettext_lazy("Where? An address or a description of the place"), max_length=200,
                            required=False)
    cost_estimate = forms.IntegerField(label=gettext_lazy("What do you think it costs? (optional)"), min_value=0,
                                       max_value=10**12, required=False)
    category = forms.ChoiceField(label=gettext_lazy("Category"), choices=Idea.Category.choices)
    image_1 = forms.FileField(label=gettext_lazy("Picture 1 (optional)"), required=False,
                              help_text=gettext_lazy("JPEG, PNG or WebP, up to 8 MB. We remove location and camera "
                                                     "data from pictures."))
    image_2 = forms.FileField(label=gettext_lazy("Picture 2 (optional)"), required=False)
    image_3 = forms.FileField(label=gettext_lazy("Picture 3 (optional)"), required=False)

    def __init__(self, *args, rnd: Round, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = rnd.council.districts.all()
        for i in (1, 2, 3):
            self.fields[f"image_{i}"].widget.attrs["accept"] = "image/jpeg,image/png,image/webp"

    def uploads(self) -> list:
        return [self.cleaned_data.get(f"image_{i}") for i in (1, 2, 3) if self.cleaned_data.get(f"image_{i}")]


class IdeaFilterForm(CleanInputMixin, forms.Form):
    """The staff idea list's filter. A value that is not one of the choices is dropped, not an
    error: the list then shows what the rest of the filter asks for."""

    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False)
    district = forms.ChoiceField(label=gettext_lazy("District"), required=False)
    category = forms.ChoiceField(label=gettext_lazy("Category"), required=False)
    words = forms.CharField(label=gettext_lazy("Words in the title or description"), required=False, max_length=100)

    def __init__(self, *args, rnd: Round, **kwargs):
        super().__init__(*args, **kwargs)
        everything = [("", _("All"))]
        self.fields["status"].choices = everything + list(Idea.Status.choices)
        self.fields["district"].choices = everything + [("town", _("The whole town"))] + [
            (str(d.pk), d.name) for d in rnd.council.districts.order_by("order", "name")]
        self.fields["category"].choices = everything + list(Idea.Category.choices)

    def chosen(self) -> dict[str, str]:
        self.is_valid()
        return {name: self.cleaned_data.get(name) or "" for name in self.fields if name not in self.errors}


class ScreenForm(CleanInputMixin, forms.Form):
    action = forms.ChoiceField(choices=[("publish", gettext_lazy("Make public")), ("hide", gettext_lazy("Hide")),
                                        ("merge", gettext_lazy("Merge into another idea"))])
    reason = forms.CharField(label=gettext_lazy("Reason (shown to the author)"), required=False, max_length=1000,
                             widget=forms.Textarea(attrs={"rows": 2}))
    merge_into = forms.IntegerField(label=gettext_lazy("Number of the idea to merge into"), required=False)


class ProjectForm(CleanInputMixin, forms.Form):
    district = forms.ModelChoiceField(label=gettext_lazy("District"), queryset=None, required=False,
                                      empty_label=gettext_lazy("City-wide"))
    cost = forms.IntegerField(label=gettext_lazy("Cost (assessed)"), min_value=0, max_value=10**12, required=False)
    legality = forms.ChoiceField(label=gettext_lazy("Legality"), choices=Project.Legality.choices)
    feasibility = forms.CharField(label=gettext_lazy("Feasibility (internal note)"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    decision = forms.ChoiceField(label=gettext_lazy("Decision"), choices=Project.Decision.choices)
    ideas = IdsChoiceField(label=gettext_lazy("Ideas it comes from"), queryset=None, required=False,
                           widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, rnd: Round, project: Project | None = None, **kwargs):
        if project is not None:
            kwargs.setdefault("initial", {"district": project.district_id, "cost": project.cost,
                                          "legality": project.legality, "feasibility": project.feasibility,
                                          "decision": project.decision, "ideas": list(project.ideas.all())})
        super().__init__(*args, **kwargs)
        self.languages = rnd.council.language_codes
        own = dict(self.fields)
        self.fields.clear()
        add_texts(self, "title", _("Title"), self.languages, initial=project.title if project else None)
        add_texts(self, "description", _("Description"), self.languages, required_first=False, textarea=True,
                  initial=project.description if project else None)
        self.fields.update(own)
        add_texts(self, "decision_reason", _("Public reason for the decision"), self.languages,
                  required_first=False, textarea=True, initial=project.decision_reason if project else None)
        self.fields["district"].queryset = rnd.council.districts.all()
        self.fields["ideas"].queryset = rnd.ideas.exclude(status=Idea.Status.HIDDEN)
        self.fields["ideas"].label_from_instance = lambda idea: f"#{idea.pk} {idea.title}"

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {"title": texts(data, "title", self.languages), "description": texts(data, "description", self.languages),
                "district": data["district"], "cost": data["cost"] or 0, "legality": data["legality"],
                "feasibility": data["feasibility"], "decision": data["decision"],
                "decision_reason": texts(data, "decision_reason", self.languages), "ideas": data["ideas"]}


class SketchForm(CleanInputMixin, forms.Form):
    image = forms.FileField(label=gettext_lazy("Sketch or picture"))
    alt = forms.CharField(label=gettext_lazy("What the picture shows"), max_length=200)


class ProjectUpdateForm(CleanInputMixin, forms.Form):
    status = forms.ChoiceField(label=gettext_lazy("Status"), choices=Project.Status.choices)
    date = forms.DateField(label=gettext_lazy("Date"), widget=DateInput())
    image_1 = forms.FileField(label=gettext_lazy("Photo (optional)"), required=False)

    def __init__(self, *args, languages: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.languages = languages
        own = dict(self.fields)
        self.fields.clear()
        self.fields.update(own)
        add_texts(self, "text", _("What happened"), languages, textarea=True)

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {"status": data["status"], "date": data["date"], "text": texts(data, "text", self.languages),
                "uploads": [data["image_1"]] if data.get("image_1") else []}


class CodesForm(CleanInputMixin, forms.Form):
    count = forms.IntegerField(label=gettext_lazy("Number of codes"), min_value=1, max_value=20000, initial=100)


def age_band_choices(council) -> list[tuple[str, str]]:
    """The council's age bands (the options of its birth-year question), as (code, label)."""
    options = (ProfileOption.objects.filter(question__council=council, question__kind=ProfileQuestion.Kind.BIRTH_YEAR)
               .select_related("question").order_by("question__order", "order"))
    return [(option.code, str(option)) for option in options]


class PaperForm(CleanInputMixin, forms.Form):
    code = forms.CharField(label=gettext_lazy("Voting code from the letter"), max_length=30)
    pot = forms.ChoiceField(label=gettext_lazy("Vote"))
    district = forms.ModelChoiceField(
        label=gettext_lazy("District"), queryset=None, required=False,
        help_text=gettext_lazy("For a district vote: the district the ballot is for. For the city-wide vote: where "
                               "the voter lives, if the paper says (optional; it counts in the turnout)."))
    age_band = forms.ChoiceField(label=gettext_lazy("Age band (optional)"), required=False,
                                 help_text=gettext_lazy("If the paper says: it counts in the turnout by age."))
    choices = forms.CharField(label=gettext_lazy("Project numbers, in the order on the paper"),
                              help_text=gettext_lazy("Separated by commas, e.g. 3, 7, 12. For points: number:points, "
                                                     "e.g. 3:5, 7:2."))

    def __init__(self, *args, rnd: Round, pot_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pot"].choices = pot_choices
        self.fields["district"].queryset = rnd.council.districts.all()
        self.fields["age_band"].choices = [("", _("Not given")), *age_band_choices(rnd.council)]

    def clean_choices(self):
        raw = self.cleaned_data["choices"]
        numbers, points = [], []
        for part in raw.replace(";", ",").split(","):
            part = part.strip()
            if not part:
                continue
            number, _sep, pts = part.partition(":")
            if not number.strip().isdecimal() or (pts and not pts.strip().isdecimal()):
                raise forms.ValidationError(_("Write project numbers separated by commas, e.g. 3, 7, 12."))
            numbers.append(int(number))
            if pts:
                points.append(int(pts))
        return numbers, points


class ImportForm(CleanInputMixin, forms.Form):
    file = forms.FileField(label=gettext_lazy("Pabulib file (.pb)"))
    rule = forms.ChoiceField(label=gettext_lazy("Count it with"), choices=Round.Rule.choices, initial=Round.Rule.MES)
    completion = forms.ChoiceField(label=gettext_lazy("Completion of Equal Shares"), choices=Round.Completion.choices,
                                   initial=Round.Completion.ADD1)


class ResidentForm(CleanInputMixin, forms.Form):
    email = forms.EmailField(label=gettext_lazy("E-mail"))
    postal_code = forms.CharField(label=gettext_lazy("Postal code"), max_length=10)
    birth_year = forms.IntegerField(label=gettext_lazy("Year of birth"), min_value=1900, max_value=2100)
    district = forms.ModelChoiceField(label=gettext_lazy("District (if your postal code covers several)"),
                                      queryset=None, required=False)
    wants_updates = forms.BooleanField(
        label=gettext_lazy("E-mail me when a project of this vote changes status (approved, being built, built)"),
        required=False)

    def __init__(self, *args, rnd: Round, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = rnd.council.districts.all()
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        self.fields["postal_code"].widget.attrs.update({"autocomplete": "postal-code", "inputmode": "numeric"})
        self.fields["birth_year"].widget.attrs["inputmode"] = "numeric"


class ResidentAccessForm(CleanInputMixin, forms.Form):
    email = forms.EmailField(label=gettext_lazy("The e-mail you took part with"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].widget.attrs["autocomplete"] = "email"


class ResidentEraseForm(CleanInputMixin, forms.Form):
    confirm = forms.BooleanField(label=gettext_lazy("Yes, erase my data"))
