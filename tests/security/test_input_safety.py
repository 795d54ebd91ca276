"""No answer and no form input can break a page or an export.

First the cases that used to answer 500 (an XLSX export with a control character in a text
answer, a number answer "nan", NUL on PostgreSQL), then Hypothesis: per answer kind and per
public form, 1,000 odd inputs each are read and checked the way the pages read them; what is
accepted is stored and every staff page and export of that survey (or of those members) is
rendered over it, in a few batches."""

from __future__ import annotations

import csv
import io
import json
import math
import re

import pytest
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from civicpanel.common.security import clean_text, spreadsheet_safe, xlsx_safe
from civicpanel.members import forms as member_forms
from civicpanel.members import services as member_services
from civicpanel.members.models import Member
from civicpanel.surveys import services
from civicpanel.surveys.models import Answer, Page, Response
from civicpanel.surveys.questions import field_name, option_codes, parse_answer, rows
from tests.factories import MemberFactory
from tests.phase import examples
from tests.surveys.factories import build_survey, excel_file, invite, opts, t

pytestmark = pytest.mark.django_db

CONTROL = re.compile("[\x00-\x08\x0b-\x0c\x0e-\x1f\x7f-\x84\x86-\x9f]")
ODD = ["nan", "NaN", "-nan", "inf", "-inf", "Infinity", "-Infinity", "1e999", "-1e999", "1e308", "9" * 400,
       "\x00", "abc\x01def", "x\x0bz", "\x00=1+1", "=HYPERLINK(\"http://x\")", "+1", "-0", "1,5", "1_000",
       "0x10", "١٢", "  ", "\u2028", "\ufeff", "\U0001f600", "'", '"', "<script>alert(1)</script>", "%00",
       "\r\n", "\x1b[31m", "NULL", "None", "[]", "{}", "1e-400", "  12  ", "12abc"]
odd_text = st.one_of(st.sampled_from(ODD), st.text(max_size=60), st.text(
    alphabet=st.characters(min_codepoint=0, max_codepoint=0x9f), max_size=20))
SETTINGS = settings(max_examples=examples(1000), deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                           HealthCheck.data_too_large])


def _no_control(value) -> None:
    if isinstance(value, str):
        assert not CONTROL.search(value), repr(value)
    elif isinstance(value, list):
        for item in value:
            _no_control(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            _no_control(key)
            _no_control(item)
    elif isinstance(value, float):
        assert math.isfinite(value)


def every_kind_survey(council):
    """One page with a question of every kind (numbers with and without bounds)."""
    survey = build_survey(council, open_it=False)
    page = Page.objects.filter(survey=survey).order_by("order", "pk").first()
    extra = {
        "matrix": dict(kind="matrix", settings={"scale_min": 1, "scale_max": 5, "low_label": t("Low"),
                                                "high_label": t("High"),
                                                "rows": [{"code": "a", "label": t("Bus")},
                                                         {"code": "b", "label": t("Train")}]}),
        "short": dict(kind="short_text"),
        "ranking": dict(kind="ranking", options=opts("Parks", "Roads", "Schools")),
        "free_number": dict(kind="number"),
        "info": dict(kind="info"),
    }
    for key, spec in extra.items():
        survey.q[key] = services.question_create(council=council, actor=None, page=page, text=t(key.title()), **spec)
    opened = services.survey_open(council=council, actor=None, survey=survey)
    opened.q = survey.q
    return opened


def _field_names(question) -> list[str]:
    name = field_name(question)
    if question.kind == "matrix":
        return [field_name(question, str(row["code"])) for row in rows(question)]
    if question.kind == "ranking":
        return [field_name(question, code) for code in option_codes(question)]
    if question.kind == "single":
        return [name, field_name(question, "other")]
    return [name]


def _plausible(question) -> st.SearchStrategy:
    """Values a form on the page could send for this question, mixed with odd ones."""
    kind = question.kind
    if kind in ("single", "multi", "ranking"):
        good = st.sampled_from(option_codes(question) + ["1", "2", "3"])
    elif kind in ("scale", "matrix"):
        good = st.integers(-2, 12).map(str)
    elif kind == "number":
        good = st.one_of(st.integers(-10**15, 10**15).map(str), st.floats(allow_nan=True).map(str))
    elif kind == "yesno":
        good = st.sampled_from(["yes", "no"])
    else:
        good = st.text(max_size=300)
    return st.one_of(good, odd_text)


def _data(question) -> st.SearchStrategy:
    names = _field_names(question)
    return st.fixed_dictionaries({name: st.lists(_plausible(question), min_size=0, max_size=3) for name in names})


def _querydict(mapping: dict[str, list[str]]) -> QueryDict:
    data = QueryDict(mutable=True)
    for key, values in mapping.items():
        data.setlist(key, values)
    return data


# --- The cases of the issue ---------------------------------------------------------------------

def test_xlsx_export_survives_control_characters_already_stored(council, staff_client):
    survey = build_survey(council)
    member = MemberFactory(council=council)
    invitation, _token = invite(survey, member)
    response = Response.objects.create(survey=survey, invitation=invitation, completed_at=timezone.now())
    # As stored by an older version that did not clean input.
    Answer.objects.create(response=response, question=survey.q["why"], value="abc\x01def")
    Answer.objects.create(response=response, question=survey.q["transport"], value="other", other_text="x\x0bz")
    Answer.objects.create(response=response, question=survey.q["safety"], value=1)
    client = staff_client("analyst")
    sheet = load_workbook(io.BytesIO(excel_file(client, survey)))["responses"]
    values = [cell.value for row in sheet.iter_rows() for cell in row]
    assert "abcdef" in values and "xz" in values
    assert client.get(f"/staff/surveys/{survey.pk}/results/").status_code == 200


@pytest.mark.parametrize("raw", ["nan", "NaN", "inf", "-Infinity", "1e999", "9" * 400])
def test_a_number_that_is_not_a_number_gets_a_message(council, raw):
    survey = build_survey(council)
    member = MemberFactory(council=council, language="en")
    invitation, token = invite(survey, member)
    client = council_client(council)
    page1, page2 = Page.objects.filter(survey=survey).order_by("order", "pk")
    assert client.post(f"/s/{token}/", {"page": page1.pk, field_name(survey.q["transport"]): "1",
                                        field_name(survey.q["safety"]): "4"}).status_code == 200
    result = client.post(f"/s/{token}/", {"page": page2.pk, field_name(survey.q["days"]): raw})
    assert result.status_code == 200
    assert "Write a number" in result.content.decode()
    assert not Answer.objects.filter(question=survey.q["days"]).exists()


def test_control_characters_in_text_answers_are_removed(council, staff_client):
    """On PostgreSQL NUL used to make the page answer 500; now it is stored without them."""
    survey = build_survey(council)
    member = MemberFactory(council=council)
    invitation, token = invite(survey, member)
    client = council_client(council)
    page1, page2 = Page.objects.filter(survey=survey).order_by("order", "pk")
    assert client.post(f"/s/{token}/", {"page": page1.pk, field_name(survey.q["transport"]): "other",
                                        field_name(survey.q["transport"], "other"): "x\x0bz\x00",
                                        field_name(survey.q["safety"]): "1"}).status_code == 200
    assert client.post(f"/s/{token}/", {"page": page2.pk, field_name(survey.q["why"]): "abc\x01def\x00 and\r\nmore",
                                        field_name(survey.q["days"]): "3"}).status_code == 200
    assert Response.objects.get(invitation=invitation).completed_at is not None
    assert Answer.objects.get(question=survey.q["why"]).value == "abcdef and\nmore"
    assert Answer.objects.get(question=survey.q["transport"]).other_text == "x\nz"
    assert load_workbook(io.BytesIO(excel_file(staff_client("analyst"), survey)))["responses"].max_row == 2


def test_public_forms_store_no_control_characters(council):
    consent = member_services.consent_current(council=council)
    form = member_forms.SignupForm({"email": "a@example.org", "name": "Ann\x00e\x1b", "consent": "on",
                                    "consent_version": str(consent.pk), "language": "da"},
                                   council=council, consent_version=consent)
    form.is_valid()
    assert form.cleaned_data["name"] == "Anne"


def test_spreadsheet_cells_are_neutralised():
    assert spreadsheet_safe("\x00=1+1") == "'\x00=1+1"
    assert spreadsheet_safe("\x01@SUM(A1)") == "'\x01@SUM(A1)"
    assert spreadsheet_safe("=1+1") == "'=1+1"
    assert spreadsheet_safe(float("nan")) is None and spreadsheet_safe(float("inf")) is None
    assert xlsx_safe("\x01=1+1") == "'=1+1"  # what is left after dropping the character is checked
    assert xlsx_safe("a\x00b") == "ab"
    assert spreadsheet_safe(12) == 12 and spreadsheet_safe("Valby") == "Valby"


@given(st.text())
@settings(max_examples=300, deadline=None)
def test_cleaned_text_holds_no_control_character_and_is_stable(text):
    cleaned = clean_text(text)
    assert not CONTROL.search(cleaned)
    assert clean_text(cleaned) == cleaned
    assert set(cleaned) <= set(text) | {"\n"}


def test_csv_cells_with_a_leading_nul_are_neutralised():
    """PostgreSQL cannot store NUL, but SQLite can, and a header or question title could hold
    one: the CSV writer neutralises it wherever it comes from."""
    from civicpanel.common.csvio import csv_response

    content = csv_response("x.csv", ["\x00=head", "b"], [["\x00=1+1", "=2"], ["\x00", "ok"]]).content
    cells = [cell for row in csv.reader(io.StringIO(content.decode("utf-8-sig"))) for cell in row]
    assert cells == ["'\x00=head", "b", "'\x00=1+1", "'=2", "'\x00", "ok"]


# --- Hypothesis: every answer kind --------------------------------------------------------------

def council_client(council):
    from django.test import Client

    return Client(HTTP_HOST=f"{council.slug}.localhost")


STAFF_SURVEY_PAGES = ["/staff/surveys/{id}/", "/staff/surveys/{id}/results/", "/staff/surveys/{id}/progress/",
                      "/staff/surveys/{id}/preview/", "/staff/surveys/{id}/export/csv/",
                      "/staff/surveys/{id}/export/codebook/", "/staff/surveys/{id}/export/xlsx/",
                      "/staff/surveys/", "/staff/", "/staff/audit/"]


ANALYST_SURVEY_PAGES = [u for u in STAFF_SURVEY_PAGES if "/results/" in u or "/export/" in u]


def _render_everything(client, survey, pages=STAFF_SURVEY_PAGES) -> None:
    for url in pages:
        result = client.get(url.format(id=survey.pk))
        assert result.status_code == 200, (url, result.status_code)
        if url.endswith("xlsx/"):  # the page; the file is made by the worker
            book = load_workbook(io.BytesIO(excel_file(client, survey)))
            assert book["responses"].max_row >= 1
        elif url.endswith(("csv/", "codebook/")):
            list(csv.reader(io.StringIO(result.content.decode("utf-8-sig"))))


def test_odd_answers_of_every_kind_never_break_a_page_or_an_export(council, staff_client):
    survey = every_kind_survey(council)
    questions = list(survey.q.values())
    accepted: dict[int, list[tuple]] = {}
    def checker(question, kept):
        @SETTINGS
        @given(_data(question))
        def check(mapping):
            parsed = parse_answer(question, _querydict(mapping))
            if parsed.error:
                assert isinstance(parsed.error, str) and parsed.error.strip()
                return
            json.dumps(parsed.value, allow_nan=False)
            _no_control(parsed.value)
            _no_control(parsed.other_text)
            if not parsed.empty and len(kept) < 150:
                kept.append((parsed.value, parsed.other_text))

        return check

    for question in questions:
        checker(question, accepted.setdefault(question.pk, []))()
    assert sum(len(v) for v in accepted.values()) > 300

    # Store what was accepted as completed responses and render everything, in three batches.
    client = staff_client("admin")
    longest = max(len(v) for v in accepted.values())
    members = [MemberFactory(council=council) for _ in range(longest)]
    for batch in (range(0, longest // 3), range(longest // 3, 2 * longest // 3), range(2 * longest // 3, longest)):
        for index in batch:
            invitation, _token = invite(survey, members[index])
            response = Response.objects.create(survey=survey, invitation=invitation, completed_at=timezone.now())
            Answer.objects.bulk_create([
                Answer(response=response, question_id=pk, value=values[index % len(values)][0],
                       other_text=values[index % len(values)][1])
                for pk, values in accepted.items() if values
            ])
        _render_everything(client, survey)
    _render_everything(staff_client("analyst"), survey, ANALYST_SURVEY_PAGES)


def test_odd_answers_through_the_answer_page(council, staff_client):
    """The page round trip itself, for the odd values (a few dozen, not a thousand)."""
    survey = build_survey(council)
    page1, page2 = Page.objects.filter(survey=survey).order_by("order", "pk")
    for raw in ODD:
        member = MemberFactory(council=council)
        _invitation, token = invite(survey, member)
        client = council_client(council)
        for page, data in ((page1, {field_name(survey.q["transport"]): "other",
                                    field_name(survey.q["transport"], "other"): raw or "x",
                                    field_name(survey.q["safety"]): "1", field_name(survey.q["car"]): raw}),
                           (page2, {field_name(survey.q["why"]): raw, field_name(survey.q["days"]): raw,
                                    field_name(survey.q["wishes"]): raw})):
            result = client.post(f"/s/{token}/", {"page": page.pk, **data})
            assert result.status_code in (200, 302), (raw, result.status_code)
            assert client.get(f"/s/{token}/", follow=True).status_code == 200
    _render_everything(staff_client("admin"), survey)


# --- Hypothesis: every public form --------------------------------------------------------------

def _form_strategy(form) -> st.SearchStrategy:
    from django import forms

    fields = {}
    for name, field in form.fields.items():
        if isinstance(field, forms.MultipleChoiceField):
            good = st.lists(st.sampled_from([str(c) for c, _l in field.choices] or ["x"]), max_size=3)
            fields[name] = st.one_of(good, st.lists(odd_text, max_size=2))
            continue
        if isinstance(field, forms.ChoiceField):
            good = st.sampled_from([str(c) for c, _l in field.choices if c != ""] or ["x"])
        elif isinstance(field, forms.BooleanField):
            good = st.sampled_from(["on", "", "true"])
        elif isinstance(field, forms.IntegerField):
            good = st.one_of(st.integers(1900, 2030).map(str), st.integers().map(str))
        elif isinstance(field, forms.EmailField):
            good = st.one_of(st.emails().filter(lambda e: len(e) < 200), st.just("resident@example.org"))
        else:
            good = st.text(max_size=80)
        fields[name] = st.one_of(good, odd_text).map(lambda v: [v])
    return st.fixed_dictionaries(fields)


def _public_forms(council):
    consent = member_services.consent_current(council=council)
    return {
        "signup": lambda data=None: member_forms.SignupForm(data, council=council, consent_version=consent),
        "email": lambda data=None: member_forms.EmailForm(data),
        "profile": lambda data=None: member_forms.ProfileForm(data, council=council),
        "preferences": lambda data=None: member_forms.PreferencesForm(data, council=council),
        "consent": lambda data=None: member_forms.ConsentForm(data),
        "leave": lambda data=None: member_forms.LeaveForm(data),
    }


@pytest.mark.parametrize("form_name", ["signup", "email", "profile", "preferences", "consent", "leave"])
def test_odd_input_to_every_public_form(form_name, council, staff_client, mailoutbox, monkeypatch):
    # The council's profile questions do not change during the run: read them once, not per example.
    questions = member_forms.active_questions(council)
    monkeypatch.setattr(member_forms, "active_questions", lambda _council: list(questions))
    make = _public_forms(council)[form_name]
    valid = []

    @SETTINGS
    @given(_form_strategy(make()))
    def check(mapping):
        form = make(_querydict(mapping))
        if form.is_valid():
            _no_control(form.cleaned_data)
            if len(valid) < 25:
                valid.append(form)
        else:
            for errors in form.errors.values():
                assert all(str(e).strip() for e in errors)

    check()
    # Store what the forms accepted, as the pages would, and look at every page about members.
    consent = member_services.consent_current(council=council)
    member = MemberFactory(council=council)
    for form in valid:
        data = form.cleaned_data
        if form_name == "signup":
            member_services.member_signup(council=council, email=data["email"], name=data["name"],
                                          language=data["language"], profile_values=form.profile_values,
                                          consent_version=consent, campaign=None, source=data["source"])
        elif form_name == "profile":
            member_services.member_profile_update(member=member, name=data["name"], values=form.profile_values)
        elif form_name == "preferences":
            member_services.member_preferences_update(member=member, **data)
        elif form_name == "email":
            member_services.login_link_request(council=council, email=data["email"])
    client = staff_client("admin")
    for url in ["/staff/members/", "/staff/members/export.csv", "/staff/", "/staff/representativeness/",
                "/staff/audit/"] + [f"/staff/members/{m.pk}/" for m in Member.objects.filter(council=council)[:30]]:
        assert client.get(url).status_code == 200, url


# --- Hypothesis: the events' and budgeting's forms ----------------------------------------------

FEW = settings(max_examples=examples(100), deadline=None, database=None,
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                      HealthCheck.data_too_large, HealthCheck.function_scoped_fixture])


def _staff_forms(council):
    """Every form staff type into on the events' and budgeting's pages, as the views build them."""
    from civicpanel.budgeting import forms as pb
    from civicpanel.events import forms as ev
    from tests.budgeting.factories import build_round

    languages = council.language_codes
    rnd = build_round(council, stage="assessment")
    return rnd, {
        "event": lambda data=None: ev.EventForm(data, languages=languages),
        "session": lambda data=None: ev.SessionForm(data, languages=languages),
        "question_kind": lambda data=None: ev.QuestionKindForm(data),
        "question": lambda data=None: ev.QuestionForm(data, languages=languages, kind="single"),
        "question_matrix": lambda data=None: ev.QuestionForm(data, languages=languages, kind="matrix"),
        "question_number": lambda data=None: ev.QuestionForm(data, languages=languages, kind="number"),
        "round": lambda data=None: pb.RoundForm(data, council=council),
        "screen": lambda data=None: pb.ScreenForm(data),
        "project": lambda data=None: pb.ProjectForm(data, rnd=rnd),
        "update": lambda data=None: pb.ProjectUpdateForm(data, languages=languages),
        "codes": lambda data=None: pb.CodesForm(data),
        "paper": lambda data=None: pb.PaperForm(data, rnd=rnd, pot_choices=[("city", "City")]),
        "idea": lambda data=None: pb.IdeaForm(data, rnd=rnd),
        "resident": lambda data=None: pb.ResidentForm(data, rnd=rnd),
    }


STAFF_FORMS = ["event", "session", "question_kind", "question", "question_matrix", "question_number", "round", "screen", "project", "update", "codes", "paper", "idea",
               "resident"]


@pytest.mark.parametrize("form_name", STAFF_FORMS)
def test_odd_input_to_the_events_and_budgeting_forms(form_name, council, staff_client):
    from civicpanel.budgeting import services as pb_services
    from civicpanel.events import services as event_services

    rnd, forms = _staff_forms(council)
    make = forms[form_name]
    valid = []

    @FEW
    @given(_form_strategy(make()))
    def check(mapping):
        form = make(_querydict(mapping))
        if form.is_valid():
            _no_control(form.cleaned_data)
            if len(valid) < 10:
                valid.append(form)
        else:
            for errors in form.errors.values():
                assert all(str(e).strip() for e in errors)

    check()
    # What the creating forms accepted is stored as their pages would, and their pages render over it.
    client = staff_client("admin")
    pages = ["/staff/events/", f"/staff/pb/{rnd.pk}/", f"/staff/pb/{rnd.pk}/ideas/"]
    for form in valid:
        try:
            if form_name == "event":
                event = event_services.event_create(council=council, actor=None, **form.service_kwargs())
                pages.append(f"/staff/events/{event.pk}/")
            elif form_name == "project":
                project = pb_services.project_create(council=council, actor=None, round=rnd, **form.service_kwargs())
                pages.append(f"/staff/pb/{rnd.pk}/projects/{project.pk}/")
        except ValidationError as error:  # refused by the service with a message: fine
            assert error.messages and all(m.strip() for m in error.messages)
    for url in pages:
        assert client.get(url).status_code == 200, url


def test_odd_input_to_the_volunteer_form_never_breaks_a_page(council, staff_client):
    """The volunteer form with a registration question of every kind, through the page itself;
    then the staff pages and the draw export of the event over what was stored."""
    from django.test import Client

    from civicpanel.events import services as event_services
    from civicpanel.events.models import Participant
    from tests.events.factories import make_event, open_link

    event = make_event(council, capacities=(10, 10))
    scale = {"scale_min": 1, "scale_max": 5}
    kinds = {"single": (opts("Morning", "Evening"), {"allow_other": True}), "multi": (opts("Bus", "Bike", "Car"), {}),
             "short_text": ([], {}), "long_text": ([], {}), "yesno": ([], {}), "scale": ([], scale),
             "matrix": ([], {**scale, "rows": opts("Phone", "Computer")}), "number": ([], {"min": 0, "max": 99}),
             "ranking": (opts("First", "Second"), {}), "info": ([], {})}
    for kind, (options, setup) in kinds.items():
        event_services.question_add(council=council, actor=None, event=event, kind=kind, text=t(kind.title()),
                                    options=options, settings=setup, required=False)
    MemberFactory.create_batch(3, council=council)
    call = event_services.call_send(council=council, actor=None, event=event, filters={})
    participants = list(Participant.objects.filter(call=call))
    questions = list(event.questions.all())
    sessions = [str(s.pk) for s in event.sessions.all()]
    clients = []
    for participant in participants:
        client = Client(HTTP_HOST=f"{council.slug}.localhost")
        clients.append((client, open_link(client, participant)))
    answer = st.one_of(st.sampled_from(["1", "2", "3", "yes", "no", "4"]), odd_text)
    form = st.fixed_dictionaries({
        "sessions": st.lists(st.one_of(st.sampled_from(sessions), odd_text), max_size=3),
        **{f"q_{q.uid}": st.lists(answer, max_size=3) for q in questions},
        # The per-row and per-option fields of matrix and ranking questions, and "other, namely".
        **{f"q_{q.uid}_{code}": st.lists(answer, max_size=2) for q in questions
           for code in ["1", "2", "other"]},
    })
    counter = iter(range(10**6))

    @settings(FEW, max_examples=examples(60))  # each example is a whole request: fewer, to keep the suite fast
    @given(form)
    def check(mapping):
        client, url = clients[next(counter) % len(clients)]
        result = client.post(url, _querydict(mapping))
        assert result.status_code in (200, 302), result.status_code

    check()
    for participant in Participant.objects.filter(event=event):
        _no_control(participant.answers)
    client = staff_client("admin")
    for url in (f"/staff/events/{event.pk}/", f"/staff/events/{event.pk}/draw/", "/staff/events/",
                f"/staff/members/{participants[0].member_id}/"):
        assert client.get(url).status_code == 200, url
