"""Events: workshops, focus groups, user tests, interviews and meetings filled from the panel.

An event has sessions (each with its seats), its own registration questions, calls for
volunteers (one outreach mailing each), participants (one per member called, with the
personal link's hash) and, after the fair draw, one placement per participant and session in
whose pool they were: drawn, on the reserve list or not drawn, and for those invited the
seat's state (invited, confirmed, waiting, declined, expired, attended, no-show).
"""

from __future__ import annotations

from datetime import timedelta

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicpanel.common.models import translated
from civicpanel.questionnaires.models import QuestionnaireQuestion


class Event(models.Model):
    class Kind(models.TextChoices):
        WORKSHOP = "workshop", _("Workshop")
        FOCUS_GROUP = "focus_group", _("Focus group")
        USER_TEST = "user_test", _("User test")
        INTERVIEW = "interview", _("Interview")
        MEETING = "meeting", _("Meeting")

    council = models.ForeignKey("tenancy.Council", on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.WORKSHOP)
    title = models.JSONField(_("title"), default=dict)
    description = models.JSONField(_("description"), default=dict, blank=True)
    volunteer_deadline = models.DateTimeField(_("volunteering deadline"))
    reply_days = models.PositiveSmallIntegerField(
        _("days to accept an invitation"), default=5,
        help_text=_("Those drawn who have not answered by then lose the seat to the next on the reserve list."))
    reminder_hours = models.PositiveSmallIntegerField(
        _("reminder, hours before each session"), default=48)
    reserve_size = models.PositiveSmallIntegerField(
        _("reserve list per session"), default=5,
        help_text=_("How many volunteers are kept in order to take a seat that is declined."))
    # The lottery's seed: drawn when the event is made and kept secret until the draw; its
    # SHA-256 (the commitment) is public from the start, so the seed cannot be chosen later.
    seed = models.BigIntegerField()
    seed_commitment = models.CharField(max_length=64)
    # What the draw used and gave (features, tolerance, per session: quotas, pool, selected,
    # reserve); public counts and the verification files are made from it.
    draw = models.JSONField(default=dict, blank=True)
    drawn_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # What came of it: what the council did with the participants' input, in the council's
    # languages, and when; shown on the event's public page and the panel site, and e-mailed to
    # those who took part ("you said, we did", publishing).
    outcome = models.JSONField(_("what came of it"), default=dict, blank=True)
    outcome_date = models.DateField(_("date"), null=True, blank=True)
    created_by = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-volunteer_deadline", "-id"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return translated(self.title) or f"#{self.pk}"

    @property
    def description_text(self) -> str:
        return translated(self.description)

    @property
    def outcome_text(self) -> str:
        return translated(self.outcome)

    def volunteering_open(self, now=None) -> bool:
        now = now or timezone.now()
        return self.drawn_at is None and self.cancelled_at is None and now < self.volunteer_deadline


class Session(models.Model):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="sessions")
    starts_at = models.DateTimeField(_("starts"))
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"), default=90)
    place = models.CharField(_("place"), max_length=300, blank=True)
    online_link = models.URLField(_("online link"), blank=True)
    capacity = models.PositiveSmallIntegerField(_("seats"))
    accessibility = models.JSONField(_("accessibility notes"), default=dict, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["starts_at", "id"]

    def __str__(self) -> str:
        return f"{self.event} {timezone.localtime(self.starts_at):%Y-%m-%d %H:%M}"

    @property
    def ends_at(self):
        return self.starts_at + timedelta(minutes=self.duration_minutes)

    @property
    def accessibility_text(self) -> str:
        return translated(self.accessibility)


class RegistrationQuestion(QuestionnaireQuestion):
    """One of the event's own questions on the volunteer form: the one questionnaire model that
    survey questions are too (questionnaires.models), with every kind a survey offers, built
    with the same form and answered with the same markup and checks. Answers are kept on the
    participant (Participant.answers, by uid)."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="questions")

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "uid"], name="registration_question_uid_unique"),
        ]


class Call(models.Model):
    """One call for volunteers: an audience (a saved segment or a filter, then everyone in it
    or a representative sample) and its outreach mailing."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="calls")
    mailing = models.ForeignKey("outreach.Mailing", on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+")
    # The saved segment chosen, if any; `filters` keeps what it said at the time of the call.
    segment = models.ForeignKey("members.Segment", on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+")
    filters = models.JSONField(default=dict, blank=True)
    sample = models.JSONField(default=dict, blank=True)
    recipient_count = models.PositiveIntegerField(default=0)
    left_out = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"call #{self.pk}"


class Participant(models.Model):
    """A member called to an event. The personal link is rebuilt from (secret key, pk, salt);
    only its hash is stored. `pseudonym` names them in the public draw files."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="participants")
    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="event_participations")
    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="participants")
    token_salt = models.CharField(max_length=32)
    token_hash = models.CharField(max_length=64, unique=True, null=True)
    pseudonym = models.CharField(max_length=12)
    called_at = models.DateTimeField()
    volunteered_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    sessions = models.ManyToManyField(Session, blank=True, related_name="volunteers")
    answers = models.JSONField(default=dict, blank=True)  # RegistrationQuestion.uid -> value
    # RegistrationQuestion.uid -> the text written beside "Other, namely" (a single choice's other option).
    answer_others = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "member"], name="one_participant_per_member_per_event"),
            models.UniqueConstraint(fields=["event", "pseudonym"], name="participant_pseudonym_unique"),
        ]

    def __str__(self) -> str:
        return self.pseudonym

    @property
    def is_volunteer(self) -> bool:
        return self.volunteered_at is not None and self.withdrawn_at is None


class Placement(models.Model):
    """A participant in one session's draw: its outcome, and for those invited the seat."""

    class Outcome(models.TextChoices):
        SELECTED = "selected", _("Drawn")
        RESERVE = "reserve", _("Reserve list")
        NOT_DRAWN = "not_drawn", _("Not drawn")

    class State(models.TextChoices):
        NONE = "", _("Not invited")
        INVITED = "invited", _("Invited, no answer yet")
        CONFIRMED = "confirmed", _("Confirmed")
        WAITING = "waiting", _("Waiting list (the session was full)")
        DECLINED = "declined", _("Declined")
        EXPIRED = "expired", _("No answer in time")
        WITHDRAWN = "withdrawn", _("Withdrew")
        ATTENDED = "attended", _("Attended")
        NO_SHOW = "no_show", _("Did not come")

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="placements")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="placements")
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    reserve_rank = models.PositiveSmallIntegerField(null=True, blank=True)
    probability = models.FloatField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.NONE, blank=True)
    invited_at = models.DateTimeField(null=True, blank=True)
    reply_by = models.DateTimeField(null=True, blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    # Invited from the reserve list beyond the seats (staff expect some of those drawn not to
    # come): holds no seat until it says yes while one is free, else goes on the waiting list.
    # Its decline or lapse frees nothing, so it calls in nobody.
    extra = models.BooleanField(default=False)
    # The placement whose seat this one took over (a reserve called in after a decline).
    replaces = models.OneToOneField("self", on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="replaced_by")
    checkin_code = models.CharField(max_length=32, blank=True)

    class Meta:
        ordering = ["session", "outcome", "reserve_rank", "id"]
        constraints = [
            models.UniqueConstraint(fields=["session", "participant"], name="one_placement_per_session"),
        ]

    def __str__(self) -> str:
        return f"{self.participant} @ {self.session_id}: {self.outcome}/{self.state}"
