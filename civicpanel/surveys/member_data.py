"""A member's survey data in their own export, and what erasure does to it.

Registered with civicpanel.members.erasure in SurveysConfig.ready(), and the member's survey
history on their staff page with civicpanel.members.history.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from civicpanel.common.models import translated
from civicpanel.members.history import HistoryRow, HistorySection
from civicpanel.surveys.models import Answer, Invitation, Question, Response, ResponseExport, Survey
from civicpanel.surveys.questions import answer_display
from civicpanel.surveys.respondent_rows import forget_respondents

FREE_TEXT_KINDS = (Question.Kind.SHORT_TEXT, Question.Kind.LONG_TEXT)


def survey_member_data(member) -> dict[str, list[dict]]:
    """Every survey the member was invited to and, where still linked, what they answered."""
    rows = []
    invitations = Invitation.objects.filter(member=member).select_related("survey").order_by("invited_at")
    responses = {r.invitation_id: r for r in Response.objects.filter(invitation__member=member)}
    answers: dict[int, list] = {}
    for answer in Answer.objects.filter(response__invitation__member=member).select_related("question").order_by(
        "question__page__order", "question__order"
    ):
        answers.setdefault(answer.response_id, []).append(answer)
    for invitation in invitations:
        response = responses.get(invitation.pk)
        rows.append({
            "survey": translated(invitation.survey.title),
            "invited_at": invitation.invited_at.isoformat(),
            "completed_at": invitation.completed_at.isoformat() if invitation.completed_at else None,
            "answers": [
                {"question": translated(a.question.text), "answer": answer_display(a.question, a.value, a.other_text)}
                for a in answers.get(response.pk, [])
            ] if response else [],
        })
    return {"survey_invitations": rows}


def survey_member_erase(member) -> None:
    """Unlink the member's responses (the answers stay as anonymous rows for the statistics),
    delete their free-text answers (which may name them), and kill their links. Excel files
    made earlier of those surveys are deleted: they hold the answers as they were; so are the
    respondents' profiles kept for their results (surveys.respondent_rows)."""
    responses = Response.objects.filter(invitation__member=member)
    forget_respondents(responses.values_list("survey_id", flat=True).distinct())
    ResponseExport.objects.filter(survey__responses__in=responses).delete()
    Answer.objects.filter(response__in=responses, question__kind__in=FREE_TEXT_KINDS).delete()
    Answer.objects.filter(response__in=responses).exclude(other_text="").update(other_text="")
    responses.update(invitation=None)
    Invitation.objects.filter(member=member).update(token_hash=None, token_salt="")


def survey_member_history(member) -> HistorySection:
    """The surveys the member was invited to, newest first, and whether they answered
    (registered with civicpanel.members.history for the staff member page)."""
    invitations = list(
        Invitation.objects.filter(member=member, survey__council_id=member.council_id, wave__cancelled_at__isnull=True)
        .select_related("survey").order_by("-invited_at", "-pk")
    )
    started = set(Response.objects.filter(invitation__in=invitations, completed_at__isnull=True)
                  .values_list("invitation_id", flat=True))
    now = timezone.now()
    rows = []
    for invitation in invitations:
        if invitation.completed_at:
            state = _("Answered")
        elif invitation.pk in started:
            state = _("Started, not finished")
        elif invitation.invited_at > now:
            state = _("Invitation scheduled")
        elif invitation.survey.status == Survey.Status.CLOSED:
            state = _("Did not answer")
        else:
            state = _("Not answered yet")
        if invitation.reminders_sent:
            state += " · " + ngettext("%(n)s reminder", "%(n)s reminders", invitation.reminders_sent) % {
                "n": invitation.reminders_sent}
        rows.append(HistoryRow(title=translated(invitation.survey.title), invited_at=invitation.invited_at,
                               state=state, done_at=invitation.completed_at,
                               taken_part=invitation.completed_at is not None))
    answered = sum(1 for row in rows if row.taken_part)
    summary = ngettext("Invited to %(n)s survey, answered %(answered)s.",
                       "Invited to %(n)s surveys, answered %(answered)s.", len(rows)) % {
        "n": len(rows), "answered": answered}
    return HistorySection(key="surveys", title=_("Surveys"), rows=rows, summary=summary)
