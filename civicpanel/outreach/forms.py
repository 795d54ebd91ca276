from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from civicpanel.outreach.texts import text_problems


class MessageTextForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=200)
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 14}))

    def __init__(self, *args, variables: tuple[str, ...], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.variables = variables

    def _check(self, name: str) -> str:
        value = self.cleaned_data[name]
        problems = text_problems(value, self.variables)
        if problems:
            raise forms.ValidationError(problems)
        return value

    def clean_subject(self) -> str:
        return self._check("subject")

    def clean_body(self) -> str:
        return self._check("body")
