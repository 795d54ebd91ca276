"""The council's panel settings: the profile questions members answer and their categories,
the population figures those categories are weighed against, the consent texts, and the
recruitment campaigns. Members, surveys, events and budgeting all stand on these.

The tables kept the names they had when these models lived in `members` (db_table below):
moving a model between apps must never drop a stored table.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from civicpanel.common.models import translated

POSTAL_CODE_FIELD = "postal_code"
# Field names the sign-up and self-service forms use themselves: a profile question must not
# take one of these keys (the settings pages refuse them).
RESERVED_FIELD_NAMES = frozenset({
    POSTAL_CODE_FIELD, "email", "name", "language", "consent", "consent_version",
    "wants_surveys", "wants_events", "wants_news", "source", "website",
})


class ProfileQuestion(models.Model):
    """A background question the council asks every member; its options are the categories
    used for targeting, quotas, population figures and weights."""

    class Kind(models.TextChoices):
        SINGLE = "single", _("Single choice")
        MULTI = "multi", _("Multiple choice")
        BIRTH_YEAR = "birth_year", _("Birth year (grouped in age bands)")
        DISTRICT = "district", _("District (from postal code)")

    council = models.ForeignKey("tenancy.Council", on_delete=models.CASCADE, related_name="profile_questions")
    key = models.SlugField(_("key"), max_length=50)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    label = models.JSONField(_("question"), default=dict)
    required = models.BooleanField(_("required"), default=True)
    active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        db_table = "members_profilequestion"
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["council", "key"], name="profile_question_key_unique"),
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def text(self) -> str:
        return translated(self.label) or self.key


class ProfileOption(models.Model):
    """One category of a profile question. Age bands carry their age limits; the options of the
    district question point at their district."""

    question = models.ForeignKey(ProfileQuestion, on_delete=models.CASCADE, related_name="options")
    code = models.SlugField(_("code"), max_length=50)
    label = models.JSONField(_("label"), default=dict)
    order = models.PositiveSmallIntegerField(default=0)
    min_age = models.PositiveSmallIntegerField(null=True, blank=True)
    max_age = models.PositiveSmallIntegerField(null=True, blank=True)
    district = models.OneToOneField("tenancy.District", on_delete=models.CASCADE, null=True, blank=True,
                                    related_name="profile_option")

    class Meta:
        db_table = "members_profileoption"
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["question", "code"], name="profile_option_code_unique"),
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def text(self) -> str:
        return translated(self.label) or self.code


class PopulationFigure(models.Model):
    """How many residents of the council fall in one category (Statistics Denmark/Norway)."""

    council = models.ForeignKey("tenancy.Council", on_delete=models.CASCADE, related_name="population_figures")
    option = models.OneToOneField(ProfileOption, on_delete=models.CASCADE, related_name="population")
    count = models.PositiveIntegerField()
    source = models.CharField(max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)


    class Meta:
        db_table = "members_populationfigure"

    def __str__(self) -> str:
        return f"{self.option}: {self.count}"


class PopulationTable(models.Model):
    """Residents counted by two or more profile questions at once (e.g. district x age band x
    gender), as the statistics banks publish them. The figures of a part of the population
    (one district, one age band) come from these tables.

    `questions` are ProfileQuestion ids in the table's order; `cells` one [option id per
    question..., count] per combination of categories (every combination is present)."""

    council = models.ForeignKey("tenancy.Council", on_delete=models.CASCADE, related_name="population_tables")
    questions = models.JSONField(default=list)
    cells = models.JSONField(default=list)
    source = models.CharField(max_length=300, blank=True)
    # The day the residents were counted (StatBank's 2026K1 is 1 January 2026); may be unknown.
    reference_date = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "members_populationtable"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"population table #{self.pk}"


class ConsentVersion(models.Model):
    """One version of the consent text. A change is always a new version, never an edit,
    so every member's consent points at the exact words they agreed to."""

    council = models.ForeignKey("tenancy.Council", on_delete=models.CASCADE, related_name="consent_versions")
    version = models.PositiveIntegerField()
    text = models.JSONField(default=dict)
    # Whether this text asks consent to e-mail news and results (newsletters, "what came of
    # it"): such e-mail goes only to members whose agreed version says so. Versions published
    # before this was asked are False unless their text is the standard one that mentions news
    # (panel migration 0002).
    covers_news = models.BooleanField(_("covers news and results by e-mail"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        db_table = "members_consentversion"
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["council", "version"], name="consent_version_unique"),
        ]

    def __str__(self) -> str:
        return f"v{self.version}"

    @property
    def body(self) -> str:
        return translated(self.text)


class Campaign(models.Model):
    """A recruitment source: the code in a link or on a poster, newspaper ad, letter or post."""

    class Channel(models.TextChoices):
        POSTER = "poster", _("Poster")
        NEWSPAPER = "newspaper", _("Newspaper")
        LETTER = "letter", _("Letter")
        SOCIAL = "social", _("Social media")
        WEBSITE = "website", _("Website")
        EVENT = "event", _("Event or street")
        OTHER = "other", _("Other")

    council = models.ForeignKey("tenancy.Council", on_delete=models.CASCADE, related_name="campaigns")
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=200)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "members_campaign"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["council", "code"], name="campaign_code_unique"),
        ]

    def __str__(self) -> str:
        return self.name
