"""Access to the read API: tokens a council admin makes (only their hash is kept), and the open
licence under which the council publishes its open data."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Scope(models.TextChoices):
    SURVEYS = "surveys", _("Surveys: titles, dates and questions")
    RESULTS = "results", _("Published results")
    EVENTS = "events", _("Events and their sessions")
    BUDGETING = "budgeting", _("Participatory-budgeting rounds and projects")
    PANEL = "panel", _("The panel's composition (small groups hidden)")


class ApiToken(models.Model):
    """One key to the read API. The token is shown once when made; the database keeps its
    SHA-256 and the first characters, so staff can tell their tokens apart."""

    council = models.ForeignKey("tenancy.Council", on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=120)
    prefix = models.CharField(max_length=12)
    token_hash = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(default=list)
    created_by = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class Licence(models.TextChoices):
    CC_BY_4 = "CC-BY-4.0", "Creative Commons Attribution 4.0 (CC BY 4.0)"
    CC0 = "CC0-1.0", "Creative Commons Zero 1.0 (CC0)"
    NLOD_2 = "NLOD-2.0", "Norsk lisens for offentlige data 2.0 (NLOD 2.0)"
    CC_BY_SA_4 = "CC-BY-SA-4.0", "Creative Commons Attribution-ShareAlike 4.0 (CC BY-SA 4.0)"


LICENCE_URLS = {
    Licence.CC_BY_4: "https://creativecommons.org/licenses/by/4.0/",
    Licence.CC0: "https://creativecommons.org/publicdomain/zero/1.0/",
    Licence.NLOD_2: "https://data.norge.no/nlod/no/2.0",
    Licence.CC_BY_SA_4: "https://creativecommons.org/licenses/by-sa/4.0/",
}


class OpenDataSettings(models.Model):
    """The council's choice of open licence for its published results (CSV and JSON)."""

    council = models.OneToOneField("tenancy.Council", on_delete=models.CASCADE, related_name="open_data")
    licence = models.CharField(_("licence"), max_length=20, choices=Licence.choices, default=Licence.CC_BY_4)
    attribution = models.CharField(
        _("attribution"), max_length=200, blank=True,
        help_text=_("How re-users name the source, e.g. the council's name. Empty: the council's name."))
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.licence
