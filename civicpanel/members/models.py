"""Members of a council's panel, their answers to the profile questions, and their consent.

The profile questions, population figures, consent texts and campaigns are panel settings:
they live in `civicpanel.panel`, below this app."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicpanel.common.crypto import blind_index
from civicpanel.common.fields import BlindIndexField, BlindIndexMixin, EncryptedTextField
from civicpanel.panel.models import Campaign, ConsentVersion, ProfileOption, ProfileQuestion


class MemberQuerySet(models.QuerySet):
    def by_email(self, email: str, *, council) -> MemberQuerySet:
        """The council's member with this address (case-insensitive), through the blind index:
        the address itself is encrypted and cannot be compared in SQL."""
        hashed = blind_index(email)
        if hashed is None:
            return self.none()
        return self.filter(council=council, email_hash=hashed)


class Member(BlindIndexMixin, models.Model):
    """A resident in the panel. On leaving, the personal fields are erased and the row stays
    as an anonymous husk so that counts and earlier aggregates remain true.

    `email`, `name`, `postal_address` and `phone` are encrypted at rest (common.fields) and read
    as plain strings;
    find a member by address with `Member.objects.by_email(address, council=...)`.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting confirmation")
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Paused")
        LEFT = "left", _("Left")

    council = models.ForeignKey("tenancy.Council", on_delete=models.CASCADE, related_name="members")
    email = EncryptedTextField(_("e-mail"), null=True, blank=True)
    # HMAC of the lower-cased address: sign-up, login, import and duplicate checks find a
    # member by it, and it keeps addresses unique per council.
    email_hash = BlindIndexField(source="email")
    name = EncryptedTextField(_("name"), blank=True)
    # Optional, for members who take part on paper or by phone (members/contact.py): the address
    # as lines for an envelope's window, and the number staff call.
    postal_address = EncryptedTextField(_("postal address"), blank=True)
    phone = EncryptedTextField(_("phone number"), blank=True)
    language = models.CharField(_("language"), max_length=5, default="da")
    birth_year = models.PositiveSmallIntegerField(_("birth year"), null=True, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=10, blank=True)
    district = models.ForeignKey("tenancy.District", on_delete=models.SET_NULL, null=True, blank=True, related_name="members")
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True)
    campaign = models.ForeignKey(Campaign, on_delete=models.SET_NULL, null=True, blank=True, related_name="members")
    source = models.CharField(_("recruitment source"), max_length=100, blank=True)
    wants_surveys = models.BooleanField(_("survey invitations"), default=True)
    wants_events = models.BooleanField(_("invitations to workshops and focus groups"), default=True)
    wants_news = models.BooleanField(_("news and results from the panel"), default=True)
    email_bounced = models.BooleanField(default=False)
    consent_version = models.ForeignKey(ConsentVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    consent_given_at = models.DateTimeField(null=True, blank=True)
    joined_at = models.DateTimeField(_("joined"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    last_active_at = models.DateTimeField(_("last active"), null=True, blank=True)
    renewal_reminded_at = models.DateTimeField(null=True, blank=True)
    left_at = models.DateTimeField(_("left"), null=True, blank=True)

    objects = MemberQuerySet.as_manager()

    class Meta:
        ordering = ["-joined_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["council", "email_hash"], name="member_email_hash_unique_per_council",
                                    condition=models.Q(email_hash__isnull=False)),
        ]
        indexes = [
            models.Index(fields=["council", "status"]),
            # The member list's default order (newest first): its first page is read from here,
            # the filters checked row by row, without sorting the whole panel.
            models.Index(fields=["council", "joined_at", "id"]),
            # Counting a filtered list: district and status are answered from the index alone.
            models.Index(fields=["council", "district", "status", "id"]),
        ]

    def __str__(self) -> str:
        return f"#{self.pk}"

    @property
    def display_name(self) -> str:
        return self.name or self.email or f"#{self.pk}"


class MemberFilterRow(models.Model):
    """What the staff member list filters, counts and orders on, one narrow row per member
    (PostgreSQL only; members.filter_rows). The database alone writes it, by triggers on the
    member table (migration members.0013): no ORM save writes it. On SQLite it is a view of
    the member table (the list reads the members there)."""

    member = models.OneToOneField(Member, on_delete=models.DO_NOTHING, primary_key=True, related_name="+",
                                  db_constraint=False)
    council = models.ForeignKey("tenancy.Council", on_delete=models.DO_NOTHING, related_name="+",
                                db_constraint=False)
    status = models.CharField(max_length=20)
    district = models.ForeignKey("tenancy.District", on_delete=models.DO_NOTHING, null=True, related_name="+",
                                 db_constraint=False)
    birth_year = models.PositiveSmallIntegerField(null=True)
    campaign = models.ForeignKey(Campaign, on_delete=models.DO_NOTHING, null=True, related_name="+",
                                 db_constraint=False)
    joined_at = models.DateTimeField()
    # What a survey's audience leaves members out for (members.0014): the preference, a bounced
    # address, and whether there is an address at all (the rows copy no ciphertext).
    wants_surveys = models.BooleanField(db_default=True)
    email_bounced = models.BooleanField(db_default=False)
    has_email = models.BooleanField(db_default=True)

    class Meta:
        managed = False
        db_table = "members_filterrow"

    def __str__(self) -> str:
        return f"#{self.pk}"


class MemberAnswer(models.Model):
    """A member's answer to one choice question (several rows for a multiple-choice one)."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(ProfileQuestion, on_delete=models.CASCADE, related_name="+")
    option = models.ForeignKey(ProfileOption, on_delete=models.CASCADE, related_name="answers")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member", "option"], name="member_answer_unique"),
        ]
        # The members who gave an answer, read from the index alone (filters and counts over a
        # large panel); a member's own answers use the unique constraint's index.
        indexes = [models.Index(fields=["option", "member"])]

    def __str__(self) -> str:
        return f"#{self.member_id}: {self.option_id}"


class ConsentLogIsAppendOnly(Exception):
    pass


class ConsentRecord(models.Model):
    """One consent a member gave: to what (purpose), to which words (version, and the SHA-256
    of the exact text shown, in the language shown), when (UTC) and how (channel).

    The log is append-only: `save` refuses an update and `delete` refuses always; on
    PostgreSQL a trigger (migration 0005) refuses UPDATE and DELETE in the database itself,
    except inside `common.appendonly.purge_permitted()` (a council removed, a sign-up never
    confirmed). When a member leaves, the row stays and points at the anonymised member row:
    it still proves that processing had a lawful basis, and no longer says whose it was.
    """

    class Purpose(models.TextChoices):
        PANEL = "panel", _("Taking part in the citizen panel")

    class Channel(models.TextChoices):
        WEB = "web", _("On the website")
        IMPORT = "import", _("Imported from another system")
        PAPER = "paper", _("On a paper form")

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="consents")
    version = models.ForeignKey(ConsentVersion, on_delete=models.PROTECT, related_name="records")
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices, default=Purpose.PANEL)
    text_version = models.PositiveIntegerField(_("text version"))
    text_sha256 = models.CharField(_("SHA-256 of the text"), max_length=64)
    language = models.CharField(_("language"), max_length=5)
    given_at = models.DateTimeField(_("given"), default=timezone.now)  # stored in UTC (USE_TZ)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)

    class Meta:
        ordering = ["-given_at", "-id"]

    def __str__(self) -> str:
        return f"#{self.member_id}: v{self.text_version} {self.purpose}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise ConsentLogIsAppendOnly("consent records cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ConsentLogIsAppendOnly("consent records cannot be deleted")


class MemberToken(models.Model):
    """A single-use link sent by e-mail: confirm the sign-up, or log in to self-service.
    Only the SHA-256 of the token is stored, so a database leak reveals no working link."""

    class Purpose(models.TextChoices):
        CONFIRM = "confirm", _("Confirm sign-up")
        LOGIN = "login", _("Log in")

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="tokens")
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    # The link is rebuilt from (secret key, pk, salt) when the e-mail is sent, so neither the
    # database nor a queued task ever holds a working link (common.security.derived_token).
    salt = models.CharField(max_length=32, blank=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.purpose} #{self.pk}"


class Segment(models.Model):
    """A named, reusable member filter (the dict `selectors.members_filter` reads): the audience
    of survey sendings, newsletters and calls for volunteers alike. The table keeps its
    surveys_* name from before it moved here, where every app that chooses members can use it."""

    council = models.ForeignKey("tenancy.Council", on_delete=models.CASCADE, related_name="segments")
    name = models.CharField(_("name"), max_length=120)
    filters = models.JSONField(default=dict)
    created_by = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "surveys_segment"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["council", "name"], name="segment_name_unique_per_council"),
        ]

    def __str__(self) -> str:
        return self.name
