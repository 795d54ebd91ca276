from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from civicpanel.common.forms import CleanInputMixin
from civicpanel.outreach.texts import text_problems


class MessageTextForm(CleanInputMixin, forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=200)
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 14}))

    def __init__(self, *args, variables: tuple[str, ...], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.variables = variables
        # As help text, so each field points at it (aria-describedby) for screen readers.
        names = ", ".join("{{ " + name + " }}" for name in variables)
        self.fields["body"].help_text = _("Variables you can use, each replaced in every e-mail: %(names)s. "
                                          "Conditions ({%% if %%}) also work.") % {"names": names}
        self.fields["subject"].help_text = _("The same variables work here.")

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
