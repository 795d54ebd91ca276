"""Surveys: the questionnaire (pages, questions, display conditions), who was invited (waves,
invitations), and what they answered (responses, answers)."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models.functions import UUID4
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicpanel.common.models import WorkerFile, translated
from civicpanel.members.models import Segment
from civicpanel.questionnaires.models import QuestionnaireQuestion


class Survey(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    council = models.ForeignKey("tenancy.Council", on_delete=models.CASCADE, related_name="surveys")
    title = models.JSONField(_("title"), default=dict)
    intro = models.JSONField(_("introduction"), default=dict, blank=True)
    thanks = models.JSONField(_("thank-you text"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT,
                              db_index=True)
    opens_at = models.DateTimeField(_("opens"), null=True, blank=True)
    closes_at = models.DateTimeField(_("closes"), null=True, blank=True)
    anonymous = models.BooleanField(
        _("anonymous"), default=False,
        help_text=_("When the survey closes, the link between each answer and the member is removed."),
    )
    reminder_count = models.PositiveSmallIntegerField(_("number of reminders"), default=1)
    reminder_interval_days = models.PositiveSmallIntegerField(_("days between reminders"), default=4)
    anonymised_at = models.DateTimeField(null=True, blank=True)
    # Purpose (required before sending, see purpose.py) and, later, what came of it: the
    # report, the public page and the feedback to members show them. Texts per language.
    purpose = models.JSONField(_("why the survey is asked"), default=dict, blank=True)
    committee = models.JSONField(_("committee or case"), default=dict, blank=True)
    answers_use = models.JSONField(_("how the answers will be used"), default=dict, blank=True)
    decision = models.JSONField(_("what was decided"), default=dict, blank=True)
    decision_date = models.DateField(_("date of the decision"), null=True, blank=True)
    outcome = models.JSONField(_("what was done"), default=dict, blank=True)
    outcome_date = models.DateField(_("date it was done"), null=True, blank=True)
    # Paper and phone answers typed in twice, by two different staff members, and compared.
    paper_double_entry = models.BooleanField(_("paper answers are entered twice"), default=False)
    created_by = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Renewed by the database whenever a page or question of the survey changes (migration 0010):
    # the resident's pages keep the structure in the process under it.
    structure_key = models.UUIDField(default=uuid.uuid4, db_default=UUID4(), editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name

    def save(self, **kwargs) -> None:
        # A save of the whole row never writes the structure key: this instance's key may be
        # older than the pages and questions changed since it was read.
        if self.pk is not None and not self._state.adding and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [f.name for f in self._meta.concrete_fields
                                       if not f.primary_key and f.name != "structure_key"]
        super().save(**kwargs)

    @property
    def name(self) -> str:
        return translated(self.title) or f"#{self.pk}"

    def is_accepting_answers(self, now=None) -> bool:
        """Open for answers now: status open and inside the dates (if set)."""
        now = now or timezone.now()
        if self.status != self.Status.OPEN:
            return False
        if self.opens_at and now < self.opens_at:
            return False
        return not (self.closes_at and now >= self.closes_at)


class Page(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="pages")
    order = models.PositiveIntegerField(default=0)
    title = models.JSONField(_("page title"), default=dict, blank=True)
    # {"question": <uid>, "op": "equals|in|not|gt|lt", "value": ...} or None: see conditions.py
    condition = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return translated(self.title) or f"{self.order + 1}"


class Question(QuestionnaireQuestion):
    """A survey question: the one questionnaire model (questionnaires.models), placed on a page
    of the survey, with an optional display condition (conditions.py). A copy of a survey gets
    new uids (remapped in the conditions)."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="questions")
    condition = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["page__order", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "uid"], name="question_uid_unique_per_survey"),
        ]


class Wave(models.Model):
    """One sending: the first invitations to an audience, or a reminder. One outreach Mailing."""

    class Kind(models.TextChoices):
        INVITATION = "invitation", _("Invitation")
        REMINDER = "reminder", _("Reminder")

    class Channel(models.TextChoices):
        EMAIL = "email", _("E-mail")
        # No e-mail: a printed questionnaire per member (paper.py), answered on paper or read
        # out on the phone, and typed in by staff.
        PAPER = "paper", _("Paper")
        PHONE = "phone", _("Phone")

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="waves")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.EMAIL)
    reminder_number = models.PositiveSmallIntegerField(default=0)
    mailing = models.ForeignKey("outreach.Mailing", on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+")
    segment = models.ForeignKey(Segment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    filters = models.JSONField(default=dict, blank=True)
    recipient_count = models.PositiveIntegerField(default=0)
    left_out = models.JSONField(default=dict, blank=True)  # reason -> count
    # A representative sample (see sampling.py): size, seed, features, response adjustment and
    # the drawn composition, so the draw can be repeated and audited. Empty for other audiences.
    sample = models.JSONField(default=dict, blank=True)
    send_at = models.DateTimeField()
    cancelled_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # The one-time key of the confirmation page that sent this wave: a second click (or a
    # resent form) with the same key finds this wave instead of sending again.
    confirmation = models.CharField(max_length=64, blank=True, default="")
    # False while the worker writes a large wave's invitations and e-mails (surveys/waves.py): the
    # send page answers at once instead of waiting for them. No other wave of the survey is sent
    # meanwhile.
    prepared = models.BooleanField(default=True, db_default=True)

    class Meta:
        ordering = ["send_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "confirmation"], condition=~models.Q(confirmation=""),
                                    name="surveys_wave_confirmation_once"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.send_at:%Y-%m-%d %H:%M}"

    @property
    def cancellable(self) -> bool:
        """A scheduled sending that has not started can be called off."""
        return self.cancelled_at is None and self.kind == self.Kind.INVITATION and self.send_at > timezone.now()


class WavePlan(models.Model):
    """Whom a wave still being prepared invites, as the send page chose them: kept until the
    worker has written their invitations and e-mails, then deleted."""

    wave = models.OneToOneField(Wave, on_delete=models.CASCADE, related_name="plan")
    member_ids = models.JSONField(default=list)
    # Each member's inclusion probability, in the same order, for a sample; empty otherwise.
    inclusion = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Plan of wave {self.wave_id} ({len(self.member_ids)} members)"


class Invitation(models.Model):
    """One member's personal link to one survey. Only the hash of the link token is stored;
    the token is rebuilt from (secret key, pk, salt) at send time."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="invitations")
    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="survey_invitations")
    wave = models.ForeignKey(Wave, on_delete=models.PROTECT, related_name="invitations")
    token_salt = models.CharField(max_length=32)
    token_hash = models.CharField(max_length=64, unique=True, null=True)
    invited_at = models.DateTimeField(db_index=True)
    reminders_sent = models.PositiveSmallIntegerField(default=0)
    last_reminded_at = models.DateTimeField(null=True, blank=True)
    # That the member finished (not what they answered): kept in anonymous mode for response rates.
    completed_at = models.DateTimeField(null=True, blank=True)
    # Probability of being invited under the wave's sample design (design weight = 1 / it);
    # None when the member was invited with certainty (whole panel or a filter).
    inclusion_probability = models.FloatField(null=True, blank=True)
    # SHA-256 of the personal code printed on a paper questionnaire (paper.py rebuilds the code
    # from the secret key, the id and the salt); staff find the invitation by it.
    paper_code_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "member"], name="one_invitation_per_member_per_survey"),
        ]

    def __str__(self) -> str:
        return f"invitation #{self.pk}"


class Response(models.Model):
    """The answers of one invited member. One per invitation (unique); in anonymous mode the
    invitation link is cut when the survey closes."""

    class Mode(models.TextChoices):
        WEB = "web", _("Online")
        PAPER = "paper", _("Paper")
        PHONE = "phone", _("Phone")

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    invitation = models.OneToOneField(Invitation, on_delete=models.SET_NULL, null=True, blank=True,
                                      related_name="response")
    # How the answers came in: the web form, or typed in by staff from paper or a phone call.
    mode = models.CharField(_("mode"), max_length=5, choices=Mode.choices, default=Mode.WEB, db_index=True)
    language = models.CharField(max_length=5, blank=True)
    current_page = models.PositiveIntegerField(default=0)  # Page.pk to resume on; 0 = the first
    started_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"response #{self.pk}"


class Answer(models.Model):
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    value = models.JSONField(null=True)
    other_text = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="one_answer_per_question"),
        ]

    def __str__(self) -> str:
        return f"answer #{self.pk}"


class PaperEntry(models.Model):
    """One staff member's typing of a paper or phone answer, when the survey has them entered
    twice. The two entries are compared question by question; when they agree (or a third look
    settles the differences) the answers are saved as the member's response and the entries
    deleted."""

    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="paper_entries")
    number = models.PositiveSmallIntegerField()  # 1 or 2
    mode = models.CharField(max_length=5, choices=Response.Mode.choices)
    values = models.JSONField(default=dict)  # question uid -> value, as the web form stores it
    others = models.JSONField(default=dict, blank=True)  # question uid -> "other, namely" text
    entered_by = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["invitation_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["invitation", "number"], name="one_paper_entry_per_number"),
        ]

    def __str__(self) -> str:
        return f"paper entry #{self.pk}"


class ResponseExport(WorkerFile):
    """An Excel file of a survey's responses, written by the task worker (a big survey takes
    longer than a request may). The page follows `progress` through the steps in `step`; the
    file is deleted when a respondent's data is erased or the survey is anonymised, so that it
    never holds more than the responses do."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="exports")
    # The language of the page it was asked from: labels and the codebook are written in it.
    language = models.CharField(max_length=5, blank=True)
    progress = models.PositiveSmallIntegerField(default=0)
    step = models.CharField(max_length=40, blank=True)
    content = models.BinaryField(null=True, blank=True, editable=False)
    rows = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"export #{self.pk}"
