from django import forms
from django.utils.translation import gettext_lazy as _

from civicpanel.accounts.models import Role
from civicpanel.common.forms import CleanInputMixin


class StaffAddForm(CleanInputMixin, forms.Form):
    email = forms.EmailField(label=_("E-mail"))
    full_name = forms.CharField(label=_("Name"), max_length=200)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class StaffRoleForm(CleanInputMixin, forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
