"""Issue 13's "done when", in Chromium on the demo: from "new survey from a template" (five questions)
through the purpose, a representative sample, sending, reminding, reading the weighted results,
downloading the committee report (PDF), publishing the results with the decision and mailing the
feedback, a staff member needs at most 20 actions.

An action is what a staff member does with the mouse or a finger: a click on a link, a button, a
radio button or a checkbox (each click a form submit takes included). Typing text into a field
is part of the action that sends the form, and is not counted on its own. Logging in is not
counted (staff are logged in when they start), nor is what residents do (they answer in between,
through the same service their browser uses).
"""

from __future__ import annotations

import numpy as np
import pytest
from django.core import mail
from django.http import QueryDict
from django.utils import timezone
from pypdf import PdfReader

from civicpanel.common.pdf import pdf_available
from civicpanel.demo.surveys_seed import _fill
from civicpanel.outreach.models import Delivery
from civicpanel.publishing.models import Feedback
from civicpanel.surveys import services as survey_services
from civicpanel.surveys.models import Invitation, Question, Survey
from tests.browser.world import staff_session

pytestmark = [pytest.mark.django_db(transaction=True),
              pytest.mark.skipif(not pdf_available(), reason="the committee report needs WeasyPrint with Pango")]

MAX_ACTIONS = 20
SAMPLE_SIZE = 300


class Walk:
    """Counts a staff member's actions; each one is a click that the page answers."""

    def __init__(self, page):
        self.page = page
        self.actions: list[str] = []

    def click(self, locator, what: str) -> None:
        self.actions.append(what)
        locator.click()
        self.page.wait_for_load_state()


def residents_answer(survey: Survey, share: float, seed: int) -> int:
    """Members who have not answered yet answer, `share` of them, page by page."""
    rng = np.random.default_rng(seed)
    pages = list(survey.pages.order_by("order"))
    questions = list(Question.objects.filter(survey=survey))
    answered = 0
    for invitation in Invitation.objects.filter(survey=survey, completed_at__isnull=True).select_related("member"):
        if rng.random() > share:
            continue
        age = timezone.localdate().year - (invitation.member.birth_year or 1970)
        for page in pages:
            data = QueryDict(mutable=True)
            for question in (q for q in questions if q.page_id == page.pk):
                _fill(data, question, age, rng)
            survey_services.response_submit_page(invitation=invitation, page_id=page.pk, data=data,
                                                 language=invitation.member.language)
        answered += 1
    return answered


def test_from_template_to_feedback_in_at_most_twenty_actions(live_server, page):
    from civicpanel.demo.seed import seed_demo

    seed_demo()
    council = Survey.objects.first().council
    staff_session(page.context, live_server, council, "manager")
    walk = Walk(page)
    page.goto(f"{live_server.url}/staff/surveys/")
    before = set(Survey.objects.values_list("pk", flat=True))

    # New survey from a template: five questions.
    walk.click(page.get_by_role("button", name="Use “Traffic and green areas”"), "new survey from the template")
    survey = Survey.objects.exclude(pk__in=before).get()
    assert Question.objects.filter(survey=survey).exclude(kind="info").count() == 5

    # Why it is asked, for whom, how the answers are used (required before sending).
    walk.click(page.get_by_role("link", name="Write the purpose"), "write the purpose")
    page.get_by_label("Why the survey is asked (Danish)").fill("Hvordan kommer beboerne rundt, og hvad ønsker de?")
    page.get_by_label("For which committee or case (Danish)").fill("Trafik- og miljøudvalget")
    page.get_by_label("How the answers will be used (Danish)").fill("Svarene indgår i trafikplanen.")
    walk.click(page.get_by_role("button", name="Save"), "save the purpose")
    walk.click(page.get_by_role("button", name="Open for answers"), "open for answers")

    # A representative sample of the whole panel, checked, then sent.
    walk.click(page.get_by_role("link", name="Invite members"), "invite members")
    walk.click(page.get_by_text("A representative sample of them", exact=True), "choose a representative sample")
    page.get_by_label("Sample size").fill(str(SAMPLE_SIZE))
    walk.click(page.get_by_role("button", name="Show who would be invited"), "show the sample")
    walk.click(page.get_by_role("button", name="Check and send to the sample of"), "check the sending")
    walk.click(page.get_by_role("button", name="Yes, send to"), "send")
    invited = Invitation.objects.filter(survey=survey).count()
    assert invited >= SAMPLE_SIZE * 0.9

    # Residents answer; a reminder goes to the others; more answer.
    assert residents_answer(survey, 0.35, seed=1) > 50
    walk.click(page.get_by_role("link", name="Send a reminder now to those who have not answered"), "remind")
    walk.click(page.get_by_role("button", name="Yes, remind"), "send the reminder")
    residents_answer(survey, 0.25, seed=2)

    # The weighted results.
    walk.click(page.get_by_role("link", name="Results", exact=True), "read the results")
    assert page.get_by_text("Weighted to the").first.is_visible()

    # The committee report: made by the worker, then downloaded.
    walk.click(page.get_by_role("link", name="Committee report (PDF)"), "committee report")
    walk.click(page.get_by_role("button", name="Make the report"), "make the report")
    with page.expect_download() as download:
        walk.click(page.get_by_role("link", name="Download PDF").first, "download the PDF")
    assert download.value.suggested_filename.endswith(".pdf")
    assert PdfReader(download.value.path()).pages[0].extract_text()

    # Publish, with the committee's decision.
    walk.click(page.get_by_role("link", name="Publish the results"), "publish the results")
    walk.click(page.get_by_role("button", name="Close the survey for answers"), "close the survey")
    page.get_by_label("What was decided (Danish)").fill("Udvalget beder kommunen se på krydset ved Retortvej først.")
    page.get_by_label("Date of the decision").fill(timezone.localdate().isoformat())
    walk.click(page.get_by_role("button", name="Yes, publish the results"), "publish with the decision")
    page.get_by_text("The results are public now.").wait_for()
    assert page.get_by_role("heading", name="Send “what came of it” to").is_visible()

    # "You said, we did" to everyone invited: publishing leads on to its confirmation.
    mail.outbox.clear()
    walk.click(page.get_by_role("button", name="Yes, send to"), "send the feedback")
    page.get_by_role("heading", name="Feedback to the panel: Trafik og grønne områder").or_(
        page.get_by_text("Feedback queued for")).first.wait_for()

    feedback = Feedback.objects.get(survey=survey)
    assert feedback.invited_count == invited
    assert Delivery.objects.filter(mailing=feedback.mailing).count() == invited
    assert any("Retortvej først" in m.body for m in mail.outbox)
    public = live_server.url + f"/results/{survey.pk}/"
    page.goto(public)
    assert page.get_by_text("Udvalget beder kommunen se på krydset ved Retortvej først.").first.is_visible()

    print(f"\n{len(walk.actions)} staff actions: " + "; ".join(walk.actions))
    assert len(walk.actions) <= MAX_ACTIONS, walk.actions
