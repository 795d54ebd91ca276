"""The council (the tenant) and its districts."""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

LOGO_CONTENT_TYPES = {"png": "image/png", "jpg": "image/jpeg", "webp": "image/webp", "gif": "image/gif",
                      "svg": "image/svg+xml"}
LANGUAGE_CHOICES = [("da", "Dansk"), ("nb", "Norsk bokmål"), ("en", "English")]


class Council(models.Model):
    """An organisation that runs one panel: a lokaludvalg, a kommune."""

    class MinimumAge(models.IntegerChoices):
        FIFTEEN = 15, _("15 years")
        EIGHTEEN = 18, _("18 years")

    slug = models.SlugField(
        _("short name"), unique=True, max_length=50,
        help_text=_("Used in addresses: <short name>.localhost in development."),
    )
    name = models.CharField(_("name"), max_length=200)
    domain = models.CharField(
        _("own domain"), max_length=253, unique=True, null=True, blank=True,
        validators=[RegexValidator(r"^[a-z0-9.-]+$", _("Lower-case host name only, without https://."))],
    )
    country = models.CharField(_("country"), max_length=2, choices=[("DK", _("Denmark")), ("NO", _("Norway"))], default="DK")
    # PNG, JPEG, WebP, GIF or a checked SVG (tenancy.brand.check_svg); served by tenancy.views.
    logo = models.FileField(_("logo"), upload_to="logos/", blank=True)
    brand_colour = models.CharField(
        _("primary colour"), max_length=7, default="#0b5394",
        help_text=_("Used for the header, buttons, links and charts. White text on it must have a "
                    "contrast of at least 4.5:1 (WCAG AA)."),
    )
    # Raised on every change of the logo or colour: it is part of their addresses, so browsers
    # may cache them for good.
    brand_version = models.PositiveIntegerField(default=1, editable=False)
    languages = models.JSONField(_("languages"), default=list)
    default_language = models.CharField(_("default language"), max_length=5, choices=LANGUAGE_CHOICES, default="da")
    minimum_age = models.PositiveSmallIntegerField(_("minimum age"), choices=MinimumAge.choices, default=15)
    panel_term_years = models.PositiveSmallIntegerField(
        _("panel term (years)"), default=3,
        help_text=_("Members are asked to renew their consent before this term ends."),
    )
    contact_limit_count = models.PositiveSmallIntegerField(_("max invitations per member"), default=2)
    contact_limit_days = models.PositiveSmallIntegerField(_("within days"), default=30)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    from_email = models.EmailField(_("sender e-mail"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("council")

    def __str__(self) -> str:
        return self.name

    @property
    def logo_type(self) -> str:
        """The logo's content type, from the extension the upload check gave it ('' without logo)."""
        if not self.logo:
            return ""
        return LOGO_CONTENT_TYPES.get(self.logo.name.rsplit(".", 1)[-1].lower(), "")

    @property
    def language_codes(self) -> list[str]:
        return self.languages or [self.default_language]


class District(models.Model):
    """An area inside a council (bydel, kvarter): a profile dimension and a budget unit."""

    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="districts")
    name = models.CharField(_("name"), max_length=120)
    postal_codes = models.JSONField(_("postal codes"), default=list, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["council", "name"], name="district_name_unique_per_council"),
        ]

    def __str__(self) -> str:
        return self.name
