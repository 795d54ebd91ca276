from django import forms
from django.utils.translation import gettext_lazy as _

from civicpanel.common.forms import CleanInputMixin


class AuditFilterForm(CleanInputMixin, forms.Form):
    action = forms.ChoiceField(label=_("Action"), required=False)
    actor = forms.ChoiceField(label=_("Staff member"), required=False)
    member = forms.IntegerField(label=_("Member number"), required=False, min_value=1)
    since = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, actions, actors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", _("All"))] + [(a, a) for a in actions]
        self.fields["actor"].choices = [("", _("All"))] + [(str(pk), label) for pk, label in actors]
