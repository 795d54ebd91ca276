"""Paper and phone: the printed questionnaire, paper waves for members without e-mail, answers
typed in by staff (once, or twice and compared), and results split by mode."""

from __future__ import annotations

import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.http import QueryDict
from pypdf import PdfReader

from civicpanel.audit.models import AuditEvent
from civicpanel.common.pdf import pdf_available
from civicpanel.surveys import paper_entry, services
from civicpanel.surveys.models import Answer, Invitation, PaperEntry, Response, Wave
from civicpanel.surveys.paper_codes import invitation_by_paper_code, paper_code
from civicpanel.surveys.paper_pdf import questionnaire_pdf
from civicpanel.surveys.results import mode_breakdown, question_results
from tests.factories import MemberFactory, staff_user
from tests.surveys.factories import build_survey, invite

pytestmark = pytest.mark.django_db
needs_pdf = pytest.mark.skipif(not pdf_available(), reason="WeasyPrint cannot load Pango here")


def text_of(pdf: bytes) -> tuple[int, list[str]]:
    reader = PdfReader(io.BytesIO(pdf))
    return len(reader.pages), [page.extract_text() for page in reader.pages]


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.fixture
def paper_panel(council):
    """Three members without e-mail (paper), two with e-mail."""
    return {
        "paper": [MemberFactory(council=council, email=None, name=f"Paper Person {i}", language="en")
                  for i in range(3)],
        "email": [MemberFactory(council=council, language="en") for _ in range(2)],
    }


def paper_wave(council, survey, actor=None) -> Wave:
    return services.wave_send(council=council, actor=actor, survey=survey, channel=Wave.Channel.PAPER)


def form(**fields) -> QueryDict:
    data = QueryDict(mutable=True)
    for name, value in fields.items():
        if isinstance(value, list):
            data.setlist(name, value)
        else:
            data[name] = value
    return data


def answers_for(survey, **by_key) -> QueryDict:
    return form(**{f"q_{survey.q[key].uid}": value for key, value in by_key.items()})


# --- Waves and the printed questionnaire -------------------------------------------------------

def test_paper_wave_invites_only_members_without_email_and_sends_no_mail(council, paper_panel, mailoutbox,
                                                                          django_capture_on_commit_callbacks):
    survey = build_survey(council)
    with django_capture_on_commit_callbacks(execute=True):
        wave = paper_wave(council, survey)
    invited = set(Invitation.objects.filter(wave=wave).values_list("member_id", flat=True))
    assert invited == {m.pk for m in paper_panel["paper"]}
    assert wave.channel == Wave.Channel.PAPER and wave.mailing is None
    assert wave.left_out["has_email"] == 2
    assert mailoutbox == []
    # And the e-mail sending leaves them out as before, since they are invited already / have no address.
    email_wave = services.wave_send(council=council, actor=None, survey=survey)
    assert set(Invitation.objects.filter(wave=email_wave).values_list("member_id", flat=True)) == {
        m.pk for m in paper_panel["email"]}


def test_paper_codes_find_the_invitation_and_nothing_else(council, other_council, paper_panel):
    survey = build_survey(council)
    wave = paper_wave(council, survey)
    invitation = Invitation.objects.filter(wave=wave).first()
    code = paper_code(invitation)
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", code)
    assert invitation_by_paper_code(council=council, survey=survey, code=code.lower().replace("-", " ")) == invitation
    assert invitation_by_paper_code(council=council, survey=build_survey(council), code=code) is None
    assert invitation_by_paper_code(council=other_council, survey=survey, code=code) is None
    assert invitation_by_paper_code(council=council, survey=survey, code="ABCD-EFGH-JKLM") is None
    # Only the hash is stored.
    assert code not in str(Invitation.objects.filter(pk=invitation.pk).values().first())


@needs_pdf
def test_questionnaire_pdf_one_copy_per_member_with_code_and_routing(council, paper_panel):
    survey = build_survey(council)
    wave = paper_wave(council, survey)
    invitations = list(Invitation.objects.filter(wave=wave).select_related("member").order_by("pk"))
    _blank_pages, blank_text = text_of(questionnaire_pdf(council=council, survey=survey, language="en"))
    per_copy, _text = text_of(questionnaire_pdf(council=council, survey=survey, invitations=invitations[:1]))
    pages, texts = text_of(questionnaire_pdf(council=council, survey=survey, invitations=invitations))
    assert pages == per_copy * len(invitations)  # each copy starts on a new sheet
    copies = [squash(" ".join(texts[i * per_copy:(i + 1) * per_copy])) for i in range(len(invitations))]
    for i, invitation in enumerate(invitations):  # the code is on the first page of its copy
        assert paper_code(invitation) in texts[i * per_copy]
    for invitation, copy in zip(invitations, copies, strict=True):
        assert paper_code(invitation) in copy
        assert invitation.member.name in copy
        others = [paper_code(i) for i in invitations if i != invitation]
        assert not any(code in copy for code in others)
    blank = squash(" ".join(blank_text))
    assert "Your personal code" not in blank
    for text in ("Traffic", "1. How do you travel?", "2. How safe do you feel?", "4. Why do you feel unsafe?",
                 "6. Days in a park?", "A number from 0 to 31."):
        assert text in blank
    # The condition "shown only if safety < 3" as an instruction a reader can follow.
    assert "Answer only if your answer to question 2 was less than 3. Otherwise go to question 5." in blank


PT_TO_MM = 25.4 / 72


def positions(page) -> list[tuple[str, float, float]]:
    """(text, mm from the sheet's left edge, mm from its top edge) of each piece of text."""
    height_mm = float(page.mediabox.height) * PT_TO_MM
    found = []

    def visit(text, cm, tm, _font, _size):
        if text.strip():
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            found.append((text.strip(), x * PT_TO_MM, height_mm - y * PT_TO_MM))

    page.extract_text(visitor_text=visit)
    return found


@needs_pdf
@pytest.mark.parametrize(("country", "window"), [("DK", "dk"), ("NO", "no")])
def test_a_members_postal_address_sits_in_the_envelope_window(council, paper_panel, country, window):
    """A member with a postal address gets it on the first page where the window envelope's
    window is (Danish or Norwegian layout by the council's country); one without keeps the
    plain header, and both copies keep their code and questions."""
    from civicpanel.common.envelopes import WINDOWS

    council.country = country
    council.save(update_fields=["country"])
    with_address, without = paper_panel["paper"][:2]
    with_address.postal_address = "Vigerslev Allé 12, 2. tv\n2500 Valby"
    with_address.save(update_fields=["postal_address"])
    survey = build_survey(council)
    wave = paper_wave(council, survey)
    invitations = {i.member_id: i for i in Invitation.objects.filter(wave=wave).select_related("member")}
    reader = PdfReader(io.BytesIO(questionnaire_pdf(council=council, survey=survey,
                                                    invitations=[invitations[with_address.pk]])))
    first = positions(reader.pages[0])
    box = WINDOWS[window]
    for text in ("Paper Person 0", "Vigerslev Allé 12, 2. tv", "2500 Valby"):
        found = [(x, y) for piece, x, y in first if piece.startswith(text)]
        assert found, (text, first[:12])
        x, y = found[0]
        assert box.left - 0.5 <= x <= box.left + 2 and box.top < y < box.top + box.height, (text, x, y)
    text = squash(reader.pages[0].extract_text())
    assert paper_code(invitations[with_address.pk]) in text and "1. How do you travel?" in text
    # Nothing else of the copy strays into the window.
    strays = [piece for piece, x, y in first if box.left - 1 <= x <= box.left + box.width
              and box.top - 6 <= y <= box.top + box.height and not piece.startswith(
                  ("Paper Person 0", "Vigerslev", "2500", "Sender:"))]
    assert strays == []
    plain = PdfReader(io.BytesIO(questionnaire_pdf(council=council, survey=survey,
                                                   invitations=[invitations[without.pk]])))
    assert "Sender:" not in plain.pages[0].extract_text()
    assert "Paper Person 1" in plain.pages[0].extract_text()


@needs_pdf
def test_routing_on_a_yes_no_question_says_where_to_go(council):
    survey = build_survey(council, open_it=False)
    page = survey.pages.order_by("order").last()
    from tests.surveys.factories import t

    services.question_create(council=council, actor=None, page=page, kind="short_text", text=t("Which car?"),
                             condition={"question": survey.q["car"].uid, "op": "equals", "value": "yes"})
    services.question_place(council=council, actor=None, question=survey.pages.last().questions.last(),
                            page=page, index=0)
    _pages, texts = text_of(questionnaire_pdf(council=council, survey=survey, language="en"))
    text = squash(" ".join(texts))
    # Question 3 (car) "No" skips question 4 (which car): the paper says so at the option.
    assert "No → go to question 5" in text
    assert "Answer only if your answer to question 3 was “Yes”." in text


@needs_pdf
def test_questionnaire_in_the_members_language(council, paper_panel):
    council.languages = ["da", "en"]
    council.save()
    survey = build_survey(council)
    member = paper_panel["paper"][0]
    member.language = "da"
    member.save()
    wave = paper_wave(council, survey)
    invitation = Invitation.objects.get(wave=wave, member=member)
    _pages, texts = text_of(questionnaire_pdf(council=council, survey=survey, invitations=[invitation]))
    assert "Din personlige kode" in squash(" ".join(texts))


# --- Typing answers in -----------------------------------------------------------------------

@pytest.fixture
def paper_survey(council, paper_panel):
    survey = build_survey(council)
    paper_wave(council, survey)
    survey.invitations_list = list(Invitation.objects.filter(survey=survey).select_related("member").order_by("pk"))
    return survey


def test_entry_saves_like_the_web_form_and_drops_what_the_routing_skips(council, paper_survey):
    clerk = staff_user(council, "manager")
    invitation = paper_survey.invitations_list[0]
    data = answers_for(paper_survey, transport="2", safety="4", car="no", why="It is dark", wishes=["1", "3"],
                       days="12")
    outcome = paper_entry.paper_entry_submit(council=council, actor=clerk, survey=paper_survey, invitation=invitation,
                                             mode="paper", data=data)
    assert outcome.state == "saved"
    assert outcome.read.skipped == [paper_survey.q["why"].uid]  # safety 4: "why unsafe" is skipped
    response = Response.objects.get(invitation=invitation)
    assert response.mode == "paper" and response.completed_at
    saved = {a.question.uid: a.value for a in Answer.objects.filter(response=response).select_related("question")}
    q = paper_survey.q
    assert saved == {q["transport"].uid: "2", q["safety"].uid: 4, q["car"].uid: "no", q["wishes"].uid: ["1", "3"],
                     q["days"].uid: 12}
    invitation.refresh_from_db()
    assert invitation.completed_at is not None
    event = AuditEvent.objects.get(action="survey.paper_enter")
    assert event.member_ids == [invitation.member_id] and event.actor == clerk


def test_entry_checks_answers_as_the_web_does_and_saves_nothing_on_error(council, paper_survey):
    invitation = paper_survey.invitations_list[0]
    data = answers_for(paper_survey, transport="9", safety="3", wishes=["1", "2", "3"], days="40")
    outcome = paper_entry.paper_entry_submit(council=council, actor=staff_user(council, "manager"),
                                             survey=paper_survey, invitation=invitation, mode="phone", data=data)
    assert outcome.state == "invalid"
    q = paper_survey.q
    assert set(outcome.read.errors) == {q["transport"].uid, q["wishes"].uid, q["days"].uid}
    assert "Write a number from 0 to 31." in outcome.read.errors[q["days"].uid]
    assert not Response.objects.exists()


def test_required_questions_may_be_blank_on_paper_and_answered_twice_is_refused(council, paper_survey):
    clerk = staff_user(council, "manager")
    invitation = paper_survey.invitations_list[0]
    outcome = paper_entry.paper_entry_submit(council=council, actor=clerk, survey=paper_survey, invitation=invitation,
                                             mode="paper", data=answers_for(paper_survey, car="yes"))
    assert outcome.state == "saved"
    with pytest.raises(ValidationError, match="already answered"):
        paper_entry.paper_entry_submit(council=council, actor=clerk, survey=paper_survey, invitation=invitation,
                                       mode="paper", data=answers_for(paper_survey, car="no"))
    assert Response.objects.filter(invitation=invitation).count() == 1


def test_entry_only_while_the_survey_is_open(council, paper_survey):
    services.survey_close(council=council, actor=None, survey=paper_survey)
    paper_survey.refresh_from_db()
    with pytest.raises(ValidationError, match="does not take answers"):
        paper_entry.paper_entry_submit(council=council, actor=staff_user(council, "manager"), survey=paper_survey,
                                       invitation=paper_survey.invitations_list[0], mode="paper",
                                       data=answers_for(paper_survey, car="yes"))


def test_double_entry_agreeing_entries_are_saved(council, paper_survey):
    paper_entry.paper_double_entry_set(council=council, actor=None, survey=paper_survey, enabled=True)
    paper_survey.refresh_from_db()
    first, second = staff_user(council, "manager"), staff_user(council, "admin")
    invitation = paper_survey.invitations_list[1]
    data = answers_for(paper_survey, transport="1", safety="2", why="Cars drive fast", car="yes")
    one = paper_entry.paper_entry_submit(council=council, actor=first, survey=paper_survey, invitation=invitation,
                                         mode="paper", data=data)
    assert one.state == "first" and not Response.objects.exists()
    with pytest.raises(ValidationError, match="another staff member"):
        paper_entry.paper_entry_submit(council=council, actor=first, survey=paper_survey, invitation=invitation,
                                       mode="paper", data=data)
    two = paper_entry.paper_entry_submit(council=council, actor=second, survey=paper_survey, invitation=invitation,
                                         mode="paper", data=data)
    assert two.state == "saved"
    response = Response.objects.get(invitation=invitation)
    assert Answer.objects.filter(response=response, question=paper_survey.q["why"]).get().value == "Cars drive fast"
    assert not PaperEntry.objects.exists()
    assert AuditEvent.objects.filter(action="survey.paper_confirm", actor=second).count() == 1


def test_double_entry_differences_field_by_field_then_a_third_look(council, paper_survey):
    from civicpanel.surveys.selectors import survey_structure

    paper_entry.paper_double_entry_set(council=council, actor=None, survey=paper_survey, enabled=True)
    paper_survey.refresh_from_db()
    first, second, third = (staff_user(council, r) for r in ("manager", "admin", "manager"))
    invitation = paper_survey.invitations_list[2]
    paper_entry.paper_entry_submit(council=council, actor=first, survey=paper_survey, invitation=invitation,
                                   mode="paper", data=answers_for(paper_survey, transport="1", safety="4", days="3"))
    outcome = paper_entry.paper_entry_submit(
        council=council, actor=second, survey=paper_survey, invitation=invitation, mode="phone",
        data=answers_for(paper_survey, transport="1", safety="5", days="8"))
    assert outcome.state == "differ" and not Response.objects.exists()
    entries = paper_entry.paper_entries_of(council=council, survey=paper_survey, invitation_id=invitation.pk)
    differences = paper_entry.paper_differences(structure=survey_structure(paper_survey), first=entries[0],
                                                second=entries[1])
    assert [(d.label, d.first, d.second) for d in differences] == [
        ("Mode", "Paper", "Phone"), ("2. How safe do you feel?", "4", "5"), ("6. Days in a park?", "3", "8")]
    assert paper_entry.agreed_values(*entries)[0] == {paper_survey.q["transport"].uid: "1"}
    waiting = paper_entry.paper_entries_waiting(council=council, survey=paper_survey)
    assert [(w["invitation_id"], w["differ"]) for w in waiting] == [(invitation.pk, True)]
    with pytest.raises(ValidationError, match="disagree"):
        paper_entry.paper_entry_submit(council=council, actor=third, survey=paper_survey, invitation=invitation,
                                       mode="paper", data=answers_for(paper_survey, transport="1"))
    paper_entry.paper_entry_resolve(council=council, actor=third, survey=paper_survey, invitation=invitation,
                                    mode="paper", data=answers_for(paper_survey, transport="1", safety="5", days="3"))
    response = Response.objects.get(invitation=invitation)
    assert response.mode == "paper"
    assert Answer.objects.get(response=response, question=paper_survey.q["safety"]).value == 5
    assert not PaperEntry.objects.exists()
    assert AuditEvent.objects.filter(action="survey.paper_resolve", actor=third).count() == 1


def test_double_entry_cannot_be_switched_off_while_entries_wait(council, paper_survey):
    paper_entry.paper_double_entry_set(council=council, actor=None, survey=paper_survey, enabled=True)
    paper_survey.refresh_from_db()
    paper_entry.paper_entry_submit(council=council, actor=staff_user(council, "manager"), survey=paper_survey,
                                   invitation=paper_survey.invitations_list[0], mode="paper",
                                   data=answers_for(paper_survey, car="yes"))
    with pytest.raises(ValidationError, match="second entry"):
        paper_entry.paper_double_entry_set(council=council, actor=None, survey=paper_survey, enabled=False)


# --- Results by mode -----------------------------------------------------------------------------

def test_results_split_by_mode(council, paper_panel):
    survey = build_survey(council)
    clerk = staff_user(council, "manager")
    web_members = [MemberFactory(council=council) for _ in range(6)]
    for member in web_members:
        invitation, _token = invite(survey, member)
        for page_id, data in ((survey.pages.order_by("order")[0].pk, answers_for(survey, transport="1", safety="4")),
                              (survey.pages.order_by("order")[1].pk, form())):
            services.response_submit_page(invitation=invitation, page_id=page_id, data=data, language="en")
    paper_members = [MemberFactory(council=council, email=None) for _ in range(5)]
    wave = paper_wave(council, survey)
    for invitation in Invitation.objects.filter(wave=wave, member__in=paper_members):
        paper_entry.paper_entry_submit(council=council, actor=clerk, survey=survey, invitation=invitation,
                                       mode="paper", data=answers_for(survey, transport="3", safety="2"))
    items, hidden = question_results(council=council, survey=survey, breakdown=mode_breakdown())
    transport = next(i for i in items if i["question"] == survey.q["transport"])
    assert transport["n"] == 11
    rows = {row["group"].text: row for row in transport["breakdown"]}
    assert set(rows) == {"Online", "Paper"} and hidden == 1  # phone: nobody, hidden
    assert rows["Online"]["n"] == 6 and rows["Paper"]["n"] == 5
    assert [c["count"] for c in rows["Paper"]["cells"]][:3] == [0, 0, 5]
    assert [c["count"] for c in rows["Online"]["cells"]][:3] == [6, 0, 0]


# --- The staff pages ---------------------------------------------------------------------------

@needs_pdf
def test_paper_pages_from_sending_to_typed_in_answer(council, paper_panel, staff_client):
    from tests.surveys.factories import confirm_and_send

    survey = build_survey(council)
    client = staff_client("manager")
    send_url = f"/staff/surveys/{survey.pk}/send/"
    page = client.get(send_url, {"channel": "paper"})
    assert "3 members will be invited" in page.content.decode()
    response = confirm_and_send(client, send_url, {"channel": "paper"}, follow=True)
    assert response.redirect_chain[-1][0] == f"/staff/surveys/{survey.pk}/paper/"
    wave = Wave.objects.get(survey=survey, channel="paper")
    assert wave.recipient_count == 3
    pdf = client.get(f"/staff/surveys/{survey.pk}/paper/waves/{wave.pk}.pdf")
    assert pdf["Content-Type"] == "application/pdf"
    invitation = Invitation.objects.filter(wave=wave).order_by("pk").first()
    assert paper_code(invitation) in squash(" ".join(text_of(pdf.content)[1]))
    assert invitation.member_id in AuditEvent.objects.get(action="survey.paper_print").member_ids
    blank = client.get(f"/staff/surveys/{survey.pk}/paper/questionnaire.pdf?language=en")
    assert blank.status_code == 200 and "Your personal code" not in squash(" ".join(text_of(blank.content)[1]))

    enter_url = f"/staff/surveys/{survey.pk}/paper/enter/"
    assert client.get(enter_url).status_code == 200
    wrong = client.post(enter_url, {"code": "AAAA-BBBB-CCCC", "mode": "paper"})
    assert wrong.status_code == 400 and "No questionnaire of this survey has this code" in wrong.content.decode()
    bad = client.post(enter_url, {"code": paper_code(invitation), "mode": "paper",
                                  f"q_{survey.q['days'].uid}": "99"})
    assert bad.status_code == 400 and "Write a number from 0 to 31." in bad.content.decode()
    done = client.post(enter_url, {"code": paper_code(invitation).lower(), "mode": "phone",
                                   f"q_{survey.q['transport'].uid}": "3", f"q_{survey.q['safety'].uid}": "5"},
                       follow=True)
    assert "Saved: the answers count now." in done.content.decode()
    assert Response.objects.get(invitation=invitation).mode == "phone"
    results = client.get(f"/staff/surveys/{survey.pk}/results/?by=mode")
    assert results.status_code == 200
    progress = client.get(f"/staff/surveys/{survey.pk}/progress/")
    assert "Answered: Phone" in progress.content.decode()


def test_double_entry_pages(council, paper_panel, staff_client):
    survey = build_survey(council)
    paper_wave(council, survey)
    invitation = Invitation.objects.filter(survey=survey).order_by("pk").first()
    first, second = staff_client("manager"), staff_client("admin")
    assert first.post(f"/staff/surveys/{survey.pk}/paper/", {"double_entry": "on"}).status_code == 302
    enter_url = f"/staff/surveys/{survey.pk}/paper/enter/"
    code = paper_code(invitation)
    first.post(enter_url, {"code": code, "mode": "paper", f"q_{survey.q['safety'].uid}": "2"})
    differ = second.post(enter_url, {"code": code, "mode": "paper", f"q_{survey.q['safety'].uid}": "3"})
    resolve_url = f"/staff/surveys/{survey.pk}/paper/resolve/{invitation.pk}/"
    assert differ.status_code == 302 and differ["Location"] == resolve_url
    page = first.get(resolve_url).content.decode()
    assert "2. How safe do you feel?" in page and "Where the two entries differ" in page
    settled = first.post(resolve_url, {"mode": "paper", f"q_{survey.q['safety'].uid}": "3"})
    assert settled.status_code == 302
    assert Answer.objects.get(response__invitation=invitation, question=survey.q["safety"]).value == 3


# --- The call list and the address list ----------------------------------------------------------

def phone_wave(council, survey) -> Wave:
    return services.wave_send(council=council, actor=None, survey=survey, channel=Wave.Channel.PHONE)


@needs_pdf
def test_call_list_names_numbers_codes_and_status_and_marks_who_has_no_number(council, paper_panel, staff_client):
    """A phone sending's call list: each member with their number and personal code, those still
    to reach first; a member without a number is listed and marked; an answer typed in moves its
    member to "answered"; the printable PDF holds the same, and both reads are audited."""
    first, second, third = paper_panel["paper"]
    first.phone, second.phone = "+45 12 34 56 78", "22 33 44 55"
    first.save(update_fields=["phone"])
    second.save(update_fields=["phone"])
    survey = build_survey(council)
    wave = phone_wave(council, survey)
    invitations = {i.member_id: i for i in Invitation.objects.filter(wave=wave)}
    paper_entry.paper_entry_submit(council=council, actor=staff_user(council, "manager"), survey=survey,
                                   invitation=invitations[first.pk], mode="phone",
                                   data=answers_for(survey, transport="1"))
    client = staff_client("manager")
    url = f"/staff/surveys/{survey.pk}/paper/waves/{wave.pk}/list/"
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Call list" in page and 'href="tel:+4512345678"' in page
    for member in (first, second, third):
        assert member.name in page and paper_code(invitations[member.pk]) in page
    assert page.index(second.name) < page.index(third.name) < page.index(first.name)  # answered last
    assert "Answered (phone)" in page and "No phone number" in page
    assert "1 member has no phone number" in page
    pdf = client.get(url.replace("/list/", "/list.pdf"), HTTP_ACCEPT_LANGUAGE="en")
    assert pdf["Content-Type"] == "application/pdf"
    text = squash(" ".join(text_of(pdf.content)[1]))
    assert "Call list" in text and "+45 12 34 56 78" in text and "No phone number" in text
    assert paper_code(invitations[third.pk]) in text and "Calls and notes" in text
    reads = AuditEvent.objects.filter(action="survey.contact_list").order_by("pk")
    assert [event.detail["format"] for event in reads] == ["page", "pdf"]
    assert set(reads[0].member_ids) == {first.pk, second.pk, third.pk}
    # Analysts never see who is called.
    assert staff_client("analyst").get(url).status_code == 403


def test_address_list_of_a_paper_sending_shows_addresses_in_every_language(council, paper_panel, staff_client):
    first = paper_panel["paper"][0]
    first.postal_address = "Valby Langgade 1\n2500 Valby"
    first.save(update_fields=["postal_address"])
    survey = build_survey(council)
    wave = paper_wave(council, survey)
    url = f"/staff/surveys/{survey.pk}/paper/waves/{wave.pk}/list/"
    client = staff_client("manager")
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Address list" in english and "Valby Langgade 1<br>2500 Valby" in english
    assert "2 members have no postal address" in english
    assert "Adresseliste" in client.get(url, HTTP_ACCEPT_LANGUAGE="da").content.decode()
    assert "Adresseliste" in client.get(url, HTTP_ACCEPT_LANGUAGE="nb").content.decode()
    paper_page = client.get(f"/staff/surveys/{survey.pk}/paper/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert url in paper_page


def test_no_contact_list_for_an_email_sending(council, paper_panel, staff_client):
    survey = build_survey(council)
    wave = services.wave_send(council=council, actor=None, survey=survey)
    assert staff_client("manager").get(f"/staff/surveys/{survey.pk}/paper/waves/{wave.pk}/list/").status_code == 404
