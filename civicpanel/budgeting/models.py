"""Participatory-budgeting rounds: the round and its money, residents' ideas, the projects staff
make of them, the ballot box, and what was built afterwards.

The ballot box keeps two tables that share no key: `VoterRecord` says that someone voted (and
holds what prevents a second ballot: the voter's key per pot), `Ballot` holds what was chosen,
with a random id and no time. The only bridge is a receipt: an HMAC of the secret key, the
voter's key and a salt kept on the voter record; its SHA-256 is kept on the ballot. With the
database alone nobody can say whose a ballot is; the running service uses the receipt to let a
voter change the ballot and to show which funded projects it helped pay for.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from civicpanel.common.crypto import blind_index
from civicpanel.common.fields import BlindIndexField, BlindIndexMixin, EncryptedTextField
from civicpanel.common.models import translated


class Round(models.Model):
    class Stage(models.TextChoices):
        INFORMATION = "information", _("Information")
        IDEAS = "ideas", _("Ideas")
        ASSESSMENT = "assessment", _("Assessment")
        VOTING = "voting", _("Voting")
        RESULT = "result", _("Result")
        BUILDING = "building", _("Building")
        EVALUATION = "evaluation", _("Evaluation")

    class Rule(models.TextChoices):
        MES = "mes", _("Equal Shares")
        GREEDY = "greedy", _("Most votes first (greedy)")
        GREEDY_COST = "greedy-cost", _("Most votes per krone first")
        PHRAGMEN = "phragmen", _("Phragmén's sequential rule")
        UTILITARIAN = "utilitarian", _("Most votes in total within the budget")

    class Completion(models.TextChoices):
        ADD1 = "add1", _("Raise every voter's share step by step (add-one)")
        ADD1_GREEDY = "add1+greedy", _("Add-one, then fill what is left by most votes")
        GREEDY = "greedy", _("Fill what is left by most votes")
        NONE = "none", _("None")

    class BallotKind(models.TextChoices):
        APPROVAL = "approval", _("Choose up to a number of projects")
        KNAPSACK = "knapsack", _("Choose projects within the budget")
        POINTS = "points", _("Distribute points")
        RANKING = "ranking", _("Rank projects")

    council = models.ForeignKey("tenancy.Council", on_delete=models.CASCADE, related_name="pb_rounds")
    title = models.JSONField(_("title"), default=dict)
    intro = models.JSONField(_("introduction"), default=dict, blank=True)
    published = models.BooleanField(_("shown to residents"), default=False)
    stage = models.CharField(_("phase"), max_length=12, choices=Stage.choices, default=Stage.INFORMATION)
    information_starts = models.DateField(_("information from"), null=True, blank=True)
    ideas_starts = models.DateField(_("ideas from"), null=True, blank=True)
    assessment_starts = models.DateField(_("assessment from"), null=True, blank=True)
    voting_starts = models.DateField(_("voting from"), null=True, blank=True)
    result_starts = models.DateField(_("result from"), null=True, blank=True)
    building_starts = models.DateField(_("building from"), null=True, blank=True)
    evaluation_starts = models.DateField(_("evaluation from"), null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="DKK")
    citywide_budget = models.PositiveBigIntegerField(_("city-wide budget"), default=0)
    rule = models.CharField(_("counting rule"), max_length=12, choices=Rule.choices, default=Rule.MES)
    completion = models.CharField(_("completion of Equal Shares"), max_length=12, choices=Completion.choices,
                                  default=Completion.ADD1)
    ballot_kind = models.CharField(_("ballot"), max_length=10, choices=BallotKind.choices,
                                   default=BallotKind.APPROVAL)
    max_projects = models.PositiveSmallIntegerField(_("most projects a voter may choose"), null=True, blank=True)
    points_total = models.PositiveSmallIntegerField(_("points to distribute"), null=True, blank=True)
    min_age = models.PositiveSmallIntegerField(_("minimum age"), default=15)
    allow_members = models.BooleanField(_("panel members may vote"), default=True)
    allow_residents = models.BooleanField(_("residents may vote with a confirmed e-mail"), default=False)
    allow_codes = models.BooleanField(_("residents may vote with a voting code on paper"), default=False)
    allow_change = models.BooleanField(_("voters may change their ballot until the vote closes"), default=True)
    projects_frozen_at = models.DateTimeField(null=True, blank=True)
    counted_at = models.DateTimeField(null=True, blank=True)
    # The count: per pot ("city" or a district id) the rule's outcome, the "most votes" outcome
    # beside it, and the numbers the result page shows. Written once by round_count.
    result = models.JSONField(default=dict, blank=True)
    imported = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return translated(self.title) or f"#{self.pk}"

    @property
    def accepts_ideas(self) -> bool:
        return self.published and self.stage == self.Stage.IDEAS

    @property
    def voting_open(self) -> bool:
        return self.published and self.stage == self.Stage.VOTING

    @property
    def is_counted(self) -> bool:
        return self.counted_at is not None


class RoundDistrict(models.Model):
    """The money of one district in a round (a round with none is city-wide only)."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="district_budgets")
    district = models.ForeignKey("tenancy.District", on_delete=models.PROTECT, related_name="+")
    budget = models.PositiveBigIntegerField(_("budget"))

    class Meta:
        ordering = ["district__order", "district__name"]
        constraints = [models.UniqueConstraint(fields=["round", "district"], name="pb_round_district_unique")]

    def __str__(self) -> str:
        return f"{self.district}: {self.budget}"


class ResidentQuerySet(models.QuerySet):
    def by_email(self, email: str, *, council) -> ResidentQuerySet:
        """The council's resident with this address (case-insensitive), through the blind index:
        the address itself is encrypted and cannot be compared in SQL."""
        hashed = blind_index(email)
        if hashed is None:
            return self.none()
        return self.filter(council=council, email_hash=hashed)


class Resident(BlindIndexMixin, models.Model):
    """A resident who is not a panel member but confirmed an e-mail to take part in a round.
    The address is encrypted at rest; find a resident with `Resident.objects.by_email`."""

    council = models.ForeignKey("tenancy.Council", on_delete=models.CASCADE, related_name="+")
    email = EncryptedTextField(_("e-mail"), null=True, blank=True)
    email_hash = BlindIndexField(source="email")
    postal_code = models.CharField(_("postal code"), max_length=10, blank=True)
    birth_year = models.PositiveSmallIntegerField(_("birth year"), null=True, blank=True)
    district = models.ForeignKey("tenancy.District", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    language = models.CharField(max_length=5, default="da")
    wants_updates = models.BooleanField(_("e-mail me when a project of this vote changes status"), default=False)
    token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    token_salt = models.CharField(max_length=32, blank=True)
    token_expires_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ResidentQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["council", "email_hash"], name="pb_resident_email_hash_unique",
                                               condition=models.Q(email_hash__isnull=False))]

    def __str__(self) -> str:
        return f"resident {self.pk}"


class Idea(models.Model):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Waiting for screening")
        PUBLIC = "public", _("Public")
        HIDDEN = "hidden", _("Hidden")
        MERGED = "merged", _("Merged into another idea")

    class Category(models.TextChoices):
        GREEN = "green", _("Nature and green spaces")
        PLAY = "play", _("Play and sport")
        CULTURE = "culture", _("Culture and community")
        TRAFFIC = "traffic", _("Traffic and paths")
        OTHER = "other", _("Other")

    council = models.ForeignKey("tenancy.Council", on_delete=models.CASCADE, related_name="+")
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="ideas")
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), max_length=3000)
    district = models.ForeignKey("tenancy.District", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+", verbose_name=_("district"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    cost_estimate = models.PositiveBigIntegerField(_("estimated cost"), null=True, blank=True)
    category = models.CharField(_("category"), max_length=10, choices=Category.choices, default=Category.OTHER)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.SUBMITTED,
                              db_index=True)
    hidden_reason = models.TextField(_("reason"), blank=True)
    merged_into = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="merged")
    author_member = models.ForeignKey("members.Member", on_delete=models.SET_NULL, null=True, blank=True,
                                      related_name="+")
    author_resident = models.ForeignKey(Resident, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    screened_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_waiting(self) -> bool:
        """Not screened yet: staff see it first, with its form open."""
        return self.status == self.Status.SUBMITTED


class IdeaImage(models.Model):
    """An image re-encoded by the server (never the uploaded bytes): see images.py."""

    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, null=True, blank=True, related_name="images")
    project = models.ForeignKey("Project", on_delete=models.CASCADE, null=True, blank=True, related_name="sketches")
    update = models.ForeignKey("ProjectUpdate", on_delete=models.CASCADE, null=True, blank=True,
                               related_name="photos")
    key = models.CharField(max_length=32, unique=True)
    data = models.BinaryField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    alt = models.CharField(_("description of the image"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.key


class Project(models.Model):
    class Decision(models.TextChoices):
        PENDING = "pending", _("Not decided")
        TO_VOTE = "to_vote", _("Goes to the vote")
        REJECTED = "rejected", _("Does not go to the vote")

    class Legality(models.TextChoices):
        UNKNOWN = "unknown", _("Not checked")
        LEGAL = "legal", _("Within the council's powers")
        NOT_LEGAL = "not_legal", _("Outside the council's powers")

    class Status(models.TextChoices):
        APPROVED = "approved", _("Approved")
        TENDERING = "tendering", _("Tendering")
        BUILDING = "building", _("Being built")
        BUILT = "built", _("Built")
        CELEBRATED = "celebrated", _("Opened and celebrated")

    council = models.ForeignKey("tenancy.Council", on_delete=models.CASCADE, related_name="+")
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="projects")
    number = models.PositiveIntegerField(_("number"))
    title = models.JSONField(_("title"), default=dict)
    description = models.JSONField(_("description"), default=dict, blank=True)
    district = models.ForeignKey("tenancy.District", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+", verbose_name=_("district"))
    cost = models.PositiveBigIntegerField(_("cost"), default=0)
    ideas = models.ManyToManyField(Idea, blank=True, related_name="projects")
    legality = models.CharField(_("legality"), max_length=10, choices=Legality.choices, default=Legality.UNKNOWN)
    feasibility = models.TextField(_("feasibility"), blank=True)
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices, default=Decision.PENDING)
    decision_reason = models.JSONField(_("public reason"), default=dict, blank=True)
    # Filled by the count.
    votes = models.PositiveIntegerField(default=0)
    funded = models.BooleanField(default=False)
    explanation = models.JSONField(default=dict, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["round", "number"], name="pb_project_number_unique")]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return translated(self.title) or f"#{self.number}"


class ProjectUpdate(models.Model):
    """A dated public update on a funded project (a status change, or news with photos)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="updates")
    status = models.CharField(_("status"), max_length=10, choices=Project.Status.choices)
    date = models.DateField(_("date"))
    text = models.JSONField(_("text"), default=dict, blank=True)
    created_by = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return f"{self.project}: {self.status}"


class VotingCode(models.Model):
    """A personal code printed on a letter, for residents without e-mail. Only its hash is kept."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="codes")
    code_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"code {self.pk}"


class VoterRecord(models.Model):
    """That someone voted in one pot of a round: what prevents a second ballot, and the coarse
    facts turnout is counted from. It holds no choice and no key to the ballot."""

    class Channel(models.TextChoices):
        MEMBER = "member", _("Panel member")
        RESIDENT = "resident", _("Resident with e-mail")
        CODE = "code", _("Voting code on paper")

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="voter_records")
    pot = models.CharField(max_length=8)  # "district" or "city"
    voter_key = models.CharField(max_length=64)  # "m:<member id>", "r:<resident id>", "c:<code id>"
    member = models.ForeignKey("members.Member", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    resident = models.ForeignKey(Resident, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    district = models.ForeignKey("tenancy.District", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    age_band = models.CharField(max_length=50, blank=True)
    gender = models.CharField(max_length=50, blank=True)
    salt = models.CharField(max_length=32)
    voted_on = models.DateField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["round", "pot", "voter_key"], name="pb_one_ballot_per_voter")]

    def __str__(self) -> str:
        return f"{self.round_id}/{self.pot}/{self.pk}"


class Ballot(models.Model):
    """What one voter chose in one pot. A random id and no time: nothing orders or dates it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="ballots")
    district = models.ForeignKey("tenancy.District", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # Project numbers in the voter's order (a ranking for ranked ballots) and, for points, the points.
    choices = models.JSONField(default=list)
    points = models.JSONField(default=list, blank=True)
    receipt_hash = models.CharField(max_length=64, unique=True)
    paper = models.BooleanField(default=False)
    helped_pay = models.JSONField(default=list, blank=True)  # Equal Shares: funded project numbers it paid into

    def __str__(self) -> str:
        return str(self.id)


class PaperEntry(models.Model):
    """A paper ballot typed in by one staff member, waiting for a second one to confirm it against
    the paper. On confirmation it becomes an ordinary (unlinked) ballot and this row is deleted."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="paper_entries")
    code = models.OneToOneField(VotingCode, on_delete=models.CASCADE, related_name="paper_entry")
    pot = models.CharField(max_length=8)
    district = models.ForeignKey("tenancy.District", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    age_band = models.CharField(max_length=50, blank=True)
    choices = models.JSONField(default=list)
    points = models.JSONField(default=list, blank=True)
    entered_by = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"paper {self.pk}"


class ResidentNotice(models.Model):
    """One status e-mail about a project update to one resident who is not a panel member (the
    panel's outreach only mails members). A row per (update, resident), sent once: the worker
    claims unsent rows, so a crash resends at most the one being sent."""

    update = models.ForeignKey(ProjectUpdate, on_delete=models.CASCADE, related_name="resident_notices")
    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["update", "resident"], name="pb_one_notice_per_resident")]

    def __str__(self) -> str:
        return f"notice {self.update_id}/{self.resident_id}"
