"""Recruitment letters (an address extract, letter batches, one personal code per letter), a
campaign's end date and cost, and the council's panel-health settings.

The extract holds residents who are not members and never asked to be contacted: their names
and addresses are encrypted at rest and deleted after the campaign (`recruitment_purge`). A
letter keeps only the groups its addressee fell in (age band, gender, district), so that the
conversion per group can still be counted once the addresses are gone.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from civicpanel.common.fields import EncryptedTextField
from civicpanel.common.models import WorkerFile


class RecruitmentSettings(models.Model):
    """Per council: how long an extract is kept after its campaign ends, and when a group of
    the panel counts as too small."""

    council = models.OneToOneField("tenancy.Council", on_delete=models.CASCADE, related_name="recruitment_settings")
    extract_keep_days = models.PositiveSmallIntegerField(
        _("days to keep an address extract after the campaign ends"), default=30)
    # A group is flagged when its share of the panel is below this percentage of its share of
    # the residents (80: a group that is 10 % of residents is flagged under 8 % of the panel).
    warning_percent = models.PositiveSmallIntegerField(_("warning threshold (percent of the residents' share)"),
                                                       default=80)
    # Printed on one line above the recipient's address in the envelope's window, as the post
    # asks for a return address there ("Afsender: ..., street, postal code and town").
    return_address = models.CharField(_("return address on letters"), max_length=200, blank=True)

    def __str__(self) -> str:
        return f"recruitment settings #{self.council_id}"


class CampaignPlan(models.Model):
    """What staff tell about a campaign beyond its code: when it ends and what it cost."""

    council = models.ForeignKey("tenancy.Council", on_delete=models.CASCADE, related_name="+")
    campaign = models.OneToOneField("panel.Campaign", on_delete=models.CASCADE, related_name="plan")
    ends_on = models.DateField(_("campaign ends"), null=True, blank=True)
    cost = models.DecimalField(_("cost"), max_digits=12, decimal_places=2, null=True, blank=True)

    def __str__(self) -> str:
        return f"plan of campaign #{self.campaign_id}"


class AddressExtract(models.Model):
    """One uploaded extract of the population register. `group_counts` (addressees per age
    band, gender and district) outlives the addresses themselves."""

    council = models.ForeignKey("tenancy.Council", on_delete=models.CASCADE, related_name="address_extracts")
    campaign = models.ForeignKey("panel.Campaign", on_delete=models.CASCADE, related_name="address_extracts")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    uploaded_by = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    row_count = models.PositiveIntegerField(default=0)
    group_counts = models.JSONField(default=dict)
    purged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-uploaded_at", "-id"]

    def __str__(self) -> str:
        return f"address extract #{self.pk}"


class Addressee(models.Model):
    """One resident of the extract. Everything that names or places the person is encrypted;
    the categories used for sampling (age band, gender, district) are kept as option ids."""

    council = models.ForeignKey("tenancy.Council", on_delete=models.CASCADE, related_name="+")
    extract = models.ForeignKey(AddressExtract, on_delete=models.CASCADE, related_name="addressees")
    line_number = models.PositiveIntegerField()
    name = EncryptedTextField()
    address = EncryptedTextField()  # street and number, several lines separated by newlines
    postal_code = EncryptedTextField()
    town = EncryptedTextField(blank=True)
    birth_year = EncryptedTextField(blank=True)
    gender = EncryptedTextField(blank=True)
    reference = EncryptedTextField(blank=True)  # the register's own key, passed to the digital-post manifest
    age_option = models.ForeignKey("panel.ProfileOption", on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    gender_option = models.ForeignKey("panel.ProfileOption", on_delete=models.SET_NULL, null=True, blank=True,
                                      related_name="+")
    district_option = models.ForeignKey("panel.ProfileOption", on_delete=models.SET_NULL, null=True, blank=True,
                                        related_name="+")

    class Meta:
        ordering = ["line_number"]

    def __str__(self) -> str:
        return f"addressee #{self.pk}"


class LetterBatch(models.Model):
    """Letters made at one time from one extract, in one language and one envelope layout."""

    class Layout(models.TextChoices):
        DK = "dk", _("Danish window envelope (C5/C65, window on the left)")
        NO = "no", _("Norwegian window envelope (C5, window on the left)")

    class Method(models.TextChoices):
        ALL = "all", _("Everyone in the extract")
        PROPORTIONAL = "proportional", _("Random sample, proportional")
        OVERSAMPLED = "oversampled", _("Random sample, more letters to the groups the panel lacks")
        PLANNED = "planned", _("Refresh plan: letters to the groups with the largest gaps")

    council = models.ForeignKey("tenancy.Council", on_delete=models.CASCADE, related_name="letter_batches")
    campaign = models.ForeignKey("panel.Campaign", on_delete=models.CASCADE, related_name="letter_batches")
    extract = models.ForeignKey(AddressExtract, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="batches")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    language = models.CharField(_("language"), max_length=5)
    layout = models.CharField(_("envelope"), max_length=5, choices=Layout.choices)
    method = models.CharField(_("selection"), max_length=20, choices=Method.choices)
    codes_expire_on = models.DateField(_("codes valid until"))
    seed = models.BigIntegerField()
    # One entry per group: {"key", "label", "in_extract", "letters", "factor"}, the allocation shown
    # on the batch page and used to count conversion per over-sampled group.
    allocation = models.JSONField(default=list)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"letter batch #{self.pk}"


class Letter(models.Model):
    """One letter with its personal code. Only the SHA-256 of the code is stored; the code is
    derived again from (secret key, id, salt) when the PDF is made."""

    council = models.ForeignKey("tenancy.Council", on_delete=models.CASCADE, related_name="+")
    batch = models.ForeignKey(LetterBatch, on_delete=models.CASCADE, related_name="letters")
    addressee = models.ForeignKey(Addressee, on_delete=models.SET_NULL, null=True, blank=True, related_name="letters")
    group_key = models.CharField(max_length=100, blank=True)  # the allocation group it was drawn in
    age_option = models.ForeignKey("panel.ProfileOption", on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    gender_option = models.ForeignKey("panel.ProfileOption", on_delete=models.SET_NULL, null=True, blank=True,
                                      related_name="+")
    district_option = models.ForeignKey("panel.ProfileOption", on_delete=models.SET_NULL, null=True, blank=True,
                                        related_name="+")
    code_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    salt = models.CharField(max_length=32)
    used_at = models.DateTimeField(null=True, blank=True)
    member = models.ForeignKey("members.Member", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["batch", "used_at"])]

    def __str__(self) -> str:
        return f"letter #{self.pk}"


class Departure(models.Model):
    """How many members of one profile group left the panel in one month, and why (left on
    their own, or their term ended). Counts only: the leaver's profile is erased with them, so
    the panel-health forecast learns each group's leaving rate from these."""

    class Reason(models.TextChoices):
        LEFT = "left", _("Left")
        TERM = "term", _("Term ended")

    council = models.ForeignKey("tenancy.Council", on_delete=models.CASCADE, related_name="+")
    month = models.DateField()  # the first day of the month
    option = models.ForeignKey("panel.ProfileOption", on_delete=models.CASCADE, related_name="+", null=True,
                               blank=True)  # null: the row counting every leaver of the month
    reason = models.CharField(max_length=5, choices=Reason.choices)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        # No unique constraint: two leavers at the same moment may add two rows, and every
        # reader sums them.
        indexes = [models.Index(fields=["council", "month"])]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.option_id}: {self.count}"


class LetterFile(WorkerFile):
    """A batch's letters as one file, made by the task worker: the PDF for printing, or the
    digital-post package. The file names and places every addressee, so it is encrypted at rest
    (base64 in an EncryptedTextField, covered by key rotation) and deleted with the extract's
    addresses, or FILE_KEEP_DAYS after it was made (`recruitment_purge`)."""

    class Kind(models.TextChoices):
        PRINT = "print", _("For printing (PDF)")
        DIGITAL = "digital", _("For digital post (ZIP)")

    batch = models.ForeignKey(LetterBatch, on_delete=models.CASCADE, related_name="files")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    # The site's address when staff asked: the worker has no request to build the QR links from.
    base_url = models.CharField(max_length=200)
    total = models.PositiveIntegerField(default=0)  # letters to lay out
    done = models.PositiveIntegerField(default=0)  # letters laid out so far
    error = models.CharField(max_length=40, blank=True)
    content = EncryptedTextField(blank=True)  # base64 of the file; read only for the download
    filename = models.CharField(max_length=100, blank=True)
    content_type = models.CharField(max_length=40, blank=True)

    def __str__(self) -> str:
        return f"letter file #{self.pk}"

    @property
    def progress(self) -> int:
        """Percent done, for the page's progress bar (1 while waiting, so the bar shows)."""
        if self.status == self.Status.READY:
            return 100
        return max(1, min(99, self.done * 100 // self.total)) if self.total else 1
