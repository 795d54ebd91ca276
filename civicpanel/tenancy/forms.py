"""Forms for the council's own settings and its districts (the admin's settings pages)."""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import get_available_image_extensions
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from civicpanel.common.forms import CleanInputMixin
from civicpanel.tenancy.brand import (
    HEX_COLOUR,
    LOGO_MAX_SIDE,
    MIN_CONTRAST,
    UnsafeSvg,
    check_svg,
    contrast_with_white,
)
from civicpanel.tenancy.models import LANGUAGE_CHOICES, Council

LOGO_MAX_BYTES = 1024 * 1024
# Formats every browser shows; Pillow names them so.
LOGO_FORMATS = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp", "GIF": "gif"}
SVG_REFUSALS = {
    "too_large": _("The SVG logo is too large (at most 200 KB)."),
    "doctype": _("The SVG logo contains a document type or entity declaration; save it as plain SVG."),
    "not_svg": _("The file is not a readable SVG drawing."),
    "script": _("The SVG logo contains a script; scripts are not allowed in a logo."),
    "event_handler": _("The SVG logo contains an event handler (an on… attribute); remove it."),
    "external": _("The SVG logo refers to other files or addresses (links, embedded images or fonts); "
                  "a logo must be one self-contained drawing."),
}


def _raster_format(upload) -> str:
    """Pillow's name of the image's format ('' if it is not an image or is too large)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(upload) as image:
            image.verify()
            if max(image.size) > LOGO_MAX_SIDE:
                return ""
            return (image.format or "").upper()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return ""
    finally:
        upload.seek(0)


POSTAL_CODE_RE = re.compile(r"^\d{4}$")


class CouncilGeneralForm(CleanInputMixin, forms.ModelForm):
    languages = forms.MultipleChoiceField(
        label=_("Languages"), choices=LANGUAGE_CHOICES, widget=forms.CheckboxSelectMultiple,
        help_text=_("The languages members and staff can choose. Texts such as the consent and the "
                    "profile questions are asked for in each of them."),
    )

    class Meta:
        model = Council
        fields = ["name", "logo", "brand_colour", "languages", "default_language", "minimum_age", "panel_term_years",
                  "contact_limit_count", "contact_limit_days", "contact_email", "from_email", "domain"]
        help_texts = {
            "logo": _("SVG or PNG (also JPEG, WebP, GIF), at most 1 MB; an SVG at most 200 KB, without scripts "
                      "or links to other files. Shown in the page header."),
            "minimum_age": _("The youngest age at which a resident may join the panel."),
            "contact_limit_count": _("A member is invited to at most this many surveys and events ..."),
            "contact_limit_days": _("... within this many days, so that nobody is asked too often."),
            "contact_email": _("Where members can write to the secretariat; used as the reply address."),
            "from_email": _("The address e-mails are sent from. It must be allowed to send for its domain."),
            "domain": _("For example panel.valby.dk, without https://. Leave empty to use the standard "
                        "address. The domain must point at this server before you change it."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["panel_term_years"].min_value = 1
        self.fields["panel_term_years"].widget.attrs.update(min=1, max=10)
        self.fields["contact_limit_count"].widget.attrs.update(min=1)
        self.fields["contact_limit_days"].widget.attrs.update(min=1)
        self.fields["logo"].widget = forms.ClearableFileInput(
            attrs={"accept": "image/svg+xml,image/png,image/jpeg,image/webp,image/gif"})
        self.fields["brand_colour"].widget = forms.TextInput(attrs={"type": "color", "class": "form-color"})
        self.fields["brand_colour"].required = False  # left out: the colour stays as it is

    def clean_logo(self):
        logo = self.cleaned_data.get("logo")
        upload = self.files.get(self.add_prefix("logo"))
        if not logo or upload is None:
            return logo
        if upload.size > LOGO_MAX_BYTES:
            raise ValidationError(_("The logo is too large (at most 1 MB)."))
        if not upload.name.lower().endswith((".svg", *(f".{ext}" for ext in get_available_image_extensions()))):
            raise ValidationError(_("The logo must be an SVG drawing or a PNG, JPEG, WebP or GIF image."))
        head = upload.read(512)
        upload.seek(0)
        if b"<svg" in head or head.lstrip().startswith(b"<?xml") or upload.name.lower().endswith(".svg"):
            try:
                check_svg(upload.read())
            except UnsafeSvg as refused:
                raise ValidationError(SVG_REFUSALS.get(refused.reason, SVG_REFUSALS["not_svg"])) from refused
            upload.seek(0)
            logo.name = "logo.svg"
            return logo
        image_format = _raster_format(upload)
        if image_format not in LOGO_FORMATS:
            raise ValidationError(_("The logo must be an SVG drawing or a PNG, JPEG, WebP or GIF image."))
        # Stored under its real format, not the uploader's name: the content type is chosen
        # from the extension, and Pillow also accepts names such as .pdf or .eps.
        logo.name = "logo." + LOGO_FORMATS[image_format]
        return logo

    def clean_brand_colour(self):
        colour = (self.cleaned_data.get("brand_colour") or "").strip().lower()
        if not colour:
            return self.instance.brand_colour
        if not HEX_COLOUR.match(colour):
            raise ValidationError(_("Enter the colour as # and six hexadecimal digits, for example #0b5394."))
        ratio = contrast_with_white(colour)
        if ratio < MIN_CONTRAST:
            raise ValidationError(
                _("White text on %(colour)s has a contrast of only %(ratio)s:1; WCAG AA needs at least "
                  "%(minimum)s:1 so that everyone can read the header and the buttons. Choose a darker shade."),
                params={"colour": colour, "ratio": number_format(ratio, 1), "minimum": number_format(MIN_CONTRAST, 1)},
            )
        return colour

    def clean_panel_term_years(self):
        years = self.cleaned_data["panel_term_years"]
        if not 1 <= years <= 10:
            raise ValidationError(_("Enter a term between 1 and 10 years."))
        return years

    def clean_contact_limit_count(self):
        count = self.cleaned_data["contact_limit_count"]
        if count < 1:
            raise ValidationError(_("Allow at least one invitation."))
        return count

    def clean_contact_limit_days(self):
        days = self.cleaned_data["contact_limit_days"]
        if not 1 <= days <= 365:
            raise ValidationError(_("Enter a number of days between 1 and 365."))
        return days

    def clean_domain(self):
        domain = (self.cleaned_data.get("domain") or "").strip().lower().rstrip(".")
        return domain or None

    def clean(self):
        cleaned = super().clean()
        languages = cleaned.get("languages") or []
        default = cleaned.get("default_language")
        if languages and default and default not in languages:
            self.add_error("default_language", _("The default language must be one of the chosen languages."))
        return cleaned


def parse_postal_codes(text: str) -> list[str]:
    """ "2500, 2450 2450" -> ["2450", "2500"]; raises ValidationError naming every bad code."""
    tokens = [t for t in re.split(r"[\s,;]+", text or "") if t]
    bad = [t for t in tokens if not POSTAL_CODE_RE.match(t)]
    if bad:
        raise ValidationError(
            _("Postal codes have four digits (Danish and Norwegian); not valid: %(codes)s."),
            params={"codes": ", ".join(bad)},
        )
    return sorted(set(tokens))


class PostalCodesField(forms.CharField):
    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return ", ".join(value)
        return value

    def to_python(self, value):
        return parse_postal_codes(super().to_python(value))


class DistrictForm(CleanInputMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    postal_codes = PostalCodesField(
        label=_("Postal codes"), required=False,
        help_text=_("Four digits each, separated by commas or spaces, e.g. 2500, 2450. A postal code may "
                    "belong to several districts; members then choose their district themselves."),
    )
