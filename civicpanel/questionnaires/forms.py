"""The builder's form for one question of any kind: the survey builder and an event's volunteer
form both use it. Texts are asked for in each of the council's languages and turned into
{"da": ..., "en": ...} dicts; which fields appear depends on the kind."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicpanel.common.forms import CleanInputMixin
from civicpanel.questionnaires.kinds import CHOICE_KINDS, Kind

LANGUAGE_NAMES = {"da": gettext_lazy("Danish"), "nb": gettext_lazy("Norwegian"), "en": gettext_lazy("English")}


def add_texts(form: forms.Form, name: str, label, languages: list[str], *, required_first: bool = True,
              textarea: bool = False, rows: int = 3, help_text="", initial: dict | None = None) -> None:
    for i, language in enumerate(languages):
        widget = forms.Textarea(attrs={"rows": rows}) if textarea else forms.TextInput()
        form.fields[f"{name}_{language}"] = forms.CharField(
            label=f"{label} ({LANGUAGE_NAMES.get(language, language)})", required=required_first and i == 0,
            widget=widget, help_text=help_text if i == 0 else "", initial=(initial or {}).get(language, ""),
        )


def texts(cleaned: dict, name: str, languages: list[str]) -> dict[str, str]:
    return {lang: cleaned[f"{name}_{lang}"].strip() for lang in languages if cleaned.get(f"{name}_{lang}", "").strip()}


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


class QuestionContentForm(CleanInputMixin, forms.Form):
    """Everything about one question's content; which fields appear depends on its kind.
    `question` is the question being edited (None for a new one)."""

    def __init__(self, *args, languages: list[str], kind: str, question=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.languages, self.kind, self.question = languages, kind, question
        settings = question.settings if question else {}
        add_texts(self, "text", _("Information text") if kind == Kind.INFO else _("Question"), languages,
                  textarea=True, rows=2, initial=question.text if question else None)
        if kind != Kind.INFO:
            add_texts(self, "help", _("Help text"), languages, required_first=False,
                      initial=question.help if question else None)
            self.fields["required"] = forms.BooleanField(label=_("An answer is required"), required=False,
                                                         initial=question.required if question else False)
        if kind in CHOICE_KINDS:
            self._multiline("options", _("Options, one per line"), question.options if question else [], languages)
        if kind == Kind.SINGLE:
            self.fields["allow_other"] = forms.BooleanField(
                label=_("Add “Other, namely …” with a text field"), required=False,
                initial=settings.get("allow_other", False))
        if kind == Kind.MULTI:
            self.fields["max_choices"] = forms.IntegerField(
                label=_("Most choices allowed"), required=False, min_value=1, initial=settings.get("max_choices"),
                help_text=_("Leave empty for no limit."))
        if kind in (Kind.SCALE, Kind.MATRIX):
            self.fields["scale"] = forms.ChoiceField(
                label=_("Scale"), choices=[("1-5", _("1 to 5 (Likert)")), ("0-10", _("0 to 10")), ("1-7", _("1 to 7"))],
                initial=f"{settings.get('scale_min', 1)}-{settings.get('scale_max', 5)}")
            add_texts(self, "low_label", _("Label of the lowest point"), languages, required_first=False,
                      initial=settings.get("low_label"))
            add_texts(self, "high_label", _("Label of the highest point"), languages, required_first=False,
                      initial=settings.get("high_label"))
        if kind == Kind.MATRIX:
            self._multiline("rows", _("Rows, one per line"), settings.get("rows", []), languages)
        if kind == Kind.NUMBER:
            self.fields["min"] = forms.FloatField(label=_("Lowest allowed number"), required=False,
                                                  initial=settings.get("min"))
            self.fields["max"] = forms.FloatField(label=_("Highest allowed number"), required=False,
                                                  initial=settings.get("max"))

    def _multiline(self, name: str, label: str, items: list[dict], languages: list[str]) -> None:
        for i, language in enumerate(languages):
            self.fields[f"{name}_{language}"] = forms.CharField(
                label=f"{label} ({LANGUAGE_NAMES.get(language, language)})", required=i == 0,
                widget=forms.Textarea(attrs={"rows": 5}),
                initial="\n".join(item["label"].get(language, "") for item in items),
                help_text=_("Keep the same order in every language. Once answers come in, add new options at the end.")
                if i == 0 else "",
            )

    def _coded(self, name: str, existing: list[dict]) -> list[dict]:
        """Lines per language -> [{"code", "label"}]; codes stay with their position, so a
        condition or an export column keeps its meaning when a label is reworded."""
        per_language = {lang: _lines(self.cleaned_data.get(f"{name}_{lang}", "")) for lang in self.languages}
        count = len(per_language[self.languages[0]])
        for lang in self.languages[1:]:
            if per_language[lang] and len(per_language[lang]) != count:
                self.add_error(f"{name}_{lang}", _("Give the same number of lines in every language (%(n)s).") % {"n": count})
                return []
        codes = [str(item["code"]) for item in existing]
        next_code = max([int(c) for c in codes if c.isdecimal()] + [0]) + 1
        items = []
        for i in range(count):
            if i < len(codes):
                code = codes[i]
            else:
                code, next_code = str(next_code), next_code + 1
            items.append({"code": code, "label": {lang: lines[i] for lang, lines in per_language.items() if lines}})
        return items

    def clean(self):
        cleaned = super().clean()
        question = self.question
        settings: dict = {}
        options: list = []
        if self.kind in CHOICE_KINDS:
            options = self._coded("options", question.options if question else [])
        if self.kind == Kind.SINGLE and cleaned.get("allow_other"):
            settings["allow_other"] = True
        if self.kind == Kind.MULTI and cleaned.get("max_choices"):
            settings["max_choices"] = cleaned["max_choices"]
        if self.kind in (Kind.SCALE, Kind.MATRIX) and cleaned.get("scale"):
            low, high = cleaned["scale"].split("-")
            settings.update(scale_min=int(low), scale_max=int(high),
                            low_label=texts(cleaned, "low_label", self.languages),
                            high_label=texts(cleaned, "high_label", self.languages))
        if self.kind == Kind.MATRIX:
            settings["rows"] = self._coded("rows", question.settings.get("rows", []) if question else [])
        if self.kind == Kind.NUMBER:
            for name in ("min", "max"):
                value = cleaned.get(name)
                if value is not None:
                    settings[name] = int(value) if float(value).is_integer() else value
        cleaned["options_list"], cleaned["settings_dict"] = options, settings
        return cleaned

    def content_kwargs(self) -> dict:
        """The question's content for the owning app's service (text, help, required, options,
        settings)."""
        data = self.cleaned_data
        return {
            "text": texts(data, "text", self.languages), "help": texts(data, "help", self.languages),
            "required": data.get("required", False), "options": data["options_list"],
            "settings": data["settings_dict"],
        }
