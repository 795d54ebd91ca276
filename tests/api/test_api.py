"""The read API: its OpenAPI schema, tokens (hash only, scopes, revocation), rate limits,
tenancy, and a walk over every endpoint proving that no person is ever returned."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from civicpanel.api import services
from civicpanel.api.models import ApiToken, Scope
from civicpanel.api.v1 import api
from civicpanel.audit.models import AuditEvent
from civicpanel.members.models import Member, MemberAnswer
from civicpanel.panel.models import ProfileOption
from tests.factories import MemberFactory, staff_user
from tests.surveys.factories import build_survey, invite

pytestmark = pytest.mark.django_db

ALL = list(Scope.values)


def client_for(council, token: str | None = None, **extra) -> Client:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return Client(HTTP_HOST=f"{council.slug}.localhost", **headers, **extra)


def make_token(council, scopes=ALL, name="Open data portal") -> str:
    return services.token_create(council=council, actor=staff_user(council, "admin"), name=name,
                                 scopes=scopes).plaintext


def api_paths() -> list[str]:
    """Every GET endpoint of the API, from its own URL table (so a new endpoint is walked too)."""
    schema = api.get_openapi_schema()
    return [path for path, ops in schema["paths"].items() if "get" in ops]


def concrete(path: str, ids: dict) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: str(ids[m.group(1)]), path)


# --- The schema ---------------------------------------------------------------------------------

def test_openapi_schema_is_generated_and_consistent(council):
    response = client_for(council).get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.") and schema["info"]["version"] == "1"
    assert set(schema["paths"]) >= {"/api/v1/surveys/", "/api/v1/surveys/{survey_id}", "/api/v1/events/",
                                    "/api/v1/budgeting/rounds", "/api/v1/panel/composition", "/api/v1/results/",
                                    "/api/v1/results/{survey_id}", "/api/v1/open/results/{survey_id}.json",
                                    "/api/v1/open/results/{survey_id}.csv"}
    assert schema["components"]["securitySchemes"]["CouncilToken"] == {"type": "http", "scheme": "bearer"}
    refs = re.findall(r'"\$ref": "#/components/schemas/(\w+)"', json.dumps(schema))
    assert refs and set(refs) <= set(schema["components"]["schemas"])  # every reference resolves
    for path, operations in schema["paths"].items():
        assert set(operations) == {"get"}, f"{path}: the API is read-only"
        operation = operations["get"]
        if path.startswith("/api/v1/open/"):  # open data: no token, limited per address
            assert "security" not in operation and {"200", "404", "429"} <= set(operation["responses"]), path
            continue
        assert operation["security"] == [{"CouncilToken": []}], path
        assert {"200", "401", "403", "429"} <= set(operation["responses"]), path


# --- Tokens, scopes, revocation, tenancy ---------------------------------------------------------

def test_token_is_stored_as_a_hash_and_works_only_with_its_scopes(council):
    made = services.token_create(council=council, actor=staff_user(council, "admin"), name="Newsroom",
                                 scopes=["surveys"])
    assert made.plaintext.startswith("cpk_") and len(made.plaintext) > 40
    row = ApiToken.objects.get()
    assert made.plaintext not in json.dumps(list(ApiToken.objects.values()), default=str)
    assert row.prefix == made.plaintext[:10]
    client = client_for(council, made.plaintext)
    assert client.get("/api/v1/surveys/").status_code == 200
    refused = client.get("/api/v1/events/")
    assert refused.status_code == 403 and "may not read 'events'" in refused.json()["detail"]
    assert AuditEvent.objects.filter(action="api.token_create").count() == 1


def test_missing_wrong_and_revoked_tokens_get_401(council):
    assert client_for(council).get("/api/v1/surveys/").status_code == 401
    assert client_for(council, "cpk_nonsense").get("/api/v1/surveys/").status_code == 401
    basic = Client(HTTP_HOST=f"{council.slug}.localhost", HTTP_AUTHORIZATION="Basic dXNlcjpwYXNz")
    assert basic.get("/api/v1/surveys/").status_code == 401
    token = make_token(council)
    assert client_for(council, token).get("/api/v1/surveys/").status_code == 200
    services.token_revoke(council=council, actor=None, token=ApiToken.objects.get())
    assert client_for(council, token).get("/api/v1/surveys/").status_code == 401


def test_a_token_reads_only_its_own_council(council, other_council):
    mine, theirs = build_survey(council), build_survey(other_council)
    token = make_token(council)
    assert [s["id"] for s in client_for(council, token).get("/api/v1/surveys/").json()] == [mine.pk]
    assert client_for(council, token).get(f"/api/v1/surveys/{theirs.pk}").status_code == 404
    # The host decides the council: this council's token is unknown on the other's address.
    assert client_for(other_council, token).get("/api/v1/surveys/").status_code == 401
    assert Client(HTTP_HOST="nowhere.localhost", HTTP_AUTHORIZATION=f"Bearer {token}").get(
        "/api/v1/surveys/").status_code == 404


def test_rate_limit_per_token(council, settings):
    settings.CIVICPANEL_API_RATE_LIMIT = 3
    token, other = make_token(council), make_token(council, name="Second")
    client = client_for(council, token)
    assert [client.get("/api/v1/surveys/").status_code for _ in range(3)] == [200, 200, 200]
    limited = client.get("/api/v1/surveys/")
    assert limited.status_code == 429 and limited["Retry-After"] == "60"
    assert client_for(council, other).get("/api/v1/surveys/").status_code == 200  # counted per token


def test_wrong_tokens_are_limited_per_address(council):
    from civicpanel.api.auth import MISS_LIMIT

    client = client_for(council, "cpk_guess")
    statuses = [client.get("/api/v1/surveys/").status_code for _ in range(MISS_LIMIT + 1)]
    assert statuses[:MISS_LIMIT] == [401] * MISS_LIMIT and statuses[-1] == 429


# --- What the endpoints say ----------------------------------------------------------------------

def test_survey_metadata(council):
    survey = build_survey(council)
    build_survey(council, open_it=False)  # a draft is not shown
    token = make_token(council, ["surveys"])
    listed = client_for(council, token).get("/api/v1/surveys/").json()
    assert [(s["id"], s["title"]["en"], s["status"], s["questions"]) for s in listed] == [(survey.pk, "Traffic", "open", 6)]
    detail = client_for(council, token).get(f"/api/v1/surveys/{survey.pk}").json()
    assert [q["number"] for q in detail["question_list"]] == [1, 2, 3, 4, 5, 6]
    why = detail["question_list"][3]
    assert why["text"]["en"] == "Why do you feel unsafe?" and why["shown_to_some"] is True
    assert detail["question_list"][0]["options"][0] == {"code": "1", "label": {"da": "Walk", "nb": "Walk", "en": "Walk"}}


def test_composition_hides_small_cells_and_what_would_reveal_them(council):
    women = ProfileOption.objects.get(question__council=council, question__key="gender", code="woman")
    men = ProfileOption.objects.get(question__council=council, question__key="gender", code="man")
    members = [MemberFactory(council=council) for _ in range(14)]
    for m in members[:9]:
        MemberAnswer.objects.create(member=m, question=women.question, option=women)
    for m in members[9:12]:
        MemberAnswer.objects.create(member=m, question=men.question, option=men)
    MemberFactory(council=council, status=Member.Status.PENDING)  # not counted
    data = client_for(council, make_token(council, ["panel"])).get("/api/v1/panel/composition").json()
    assert data["members"] == 14
    gender = next(q for q in data["questions"] if q["key"] == "gender")
    shown = {c["code"]: c["members"] for c in gender["categories"]}
    assert shown["man"] is None  # 3 members: too few
    # 9 women, 3 men, 2 without an answer: hiding only the men would let 14 - 9 - 2 reveal them.
    assert gender["no_answer"] is None
    assert shown["woman"] == 9
    published = [c["members"] for q in data["questions"] for c in q["categories"] if c["members"] is not None]
    assert all(n >= 5 or n == 0 for n in published)


def test_budgeting_rounds_show_projects_not_voters(council):
    from tests.budgeting.factories import build_round

    rnd = build_round(council)
    data = client_for(council, make_token(council, ["budgeting"])).get("/api/v1/budgeting/rounds").json()
    assert [r["id"] for r in data] == [rnd.pk]
    assert [p["title"]["en"] for p in data[0]["projects"]] == ["Project 1", "Project 2", "Project 3", "Project 4"]
    assert data[0]["projects"][0]["votes"] is None  # not counted yet


# --- Published results and open data ---------------------------------------------------------------

def _published_survey(council, answers: int = 8):
    """The traffic survey answered by `answers` members (everyone "Walk", safety 4, and "why"
    written by all), closed and published through publishing's own service."""
    from django.http import QueryDict

    from civicpanel.publishing.services import publication_publish
    from civicpanel.surveys import services as survey_services

    survey = build_survey(council)
    pages = list(survey.pages.order_by("order"))
    for i in range(answers):
        invitation, _link = invite(survey, MemberFactory(council=council, name=f"Answering Person {i}"))
        first = QueryDict(mutable=True)
        first.update({f"q_{survey.q['transport'].uid}": "1" if i else "2", f"q_{survey.q['safety'].uid}": "2"})
        survey_services.response_submit_page(invitation=invitation, page_id=pages[0].pk, data=first, language="en")
        second = QueryDict(mutable=True)
        second[f"q_{survey.q['why'].uid}"] = f"Secret reason {i}"
        survey_services.response_submit_page(invitation=invitation, page_id=pages[1].pk, data=second, language="en")
    survey_services.survey_close(council=council, actor=None, survey=survey)
    survey.refresh_from_db()
    publication_publish(council=council, actor=None, survey=survey)
    return survey


def test_published_results_only_through_publishing(council):
    from civicpanel.publishing.services import publication_withdraw

    survey = _published_survey(council)
    unpublished = build_survey(council)
    token = make_token(council, ["results"])
    client = client_for(council, token)
    assert [s["id"] for s in client.get("/api/v1/results/").json()] == [survey.pk]
    assert client.get(f"/api/v1/results/{unpublished.pk}").status_code == 404
    data = client.get(f"/api/v1/results/{survey.pk}?language=en").json()
    assert data["answered"] == 8 and data["licence"]["id"] == "CC-BY-4.0"
    transport = data["questions"][0]
    assert transport["text"] == "How do you travel?"
    shares = {row["answer"]: row["share"] for row in transport["shares"]}
    # 7 walk, 1 bike: the bike share rests on one person and is hidden, and so is the walk share
    # that would reveal it as 100 % minus the rest.
    assert shares["Bike"] is None and shares["Walk"] is None and shares["Car"] == 0
    why = data["questions"][3]
    assert why["free_text_withheld"] is True and why["shares"] == []
    assert "Secret reason" not in json.dumps(data)
    publication_withdraw(council=council, actor=None, survey=survey)
    assert client.get(f"/api/v1/results/{survey.pk}").status_code == 404
    assert client_for(council, make_token(council, ["surveys"])).get("/api/v1/results/").status_code == 403


def test_open_data_files_carry_the_licence(council):
    from civicpanel.api.services import open_data_set

    survey = _published_survey(council)
    open_data_set(council=council, actor=None, licence="NLOD-2.0", attribution="Valby Lokaludvalg")
    anyone = client_for(council)
    as_json = anyone.get(f"/api/v1/open/results/{survey.pk}.json?language=da")
    assert as_json.status_code == 200
    assert as_json["Link"] == '<https://data.norge.no/nlod/no/2.0>; rel="license"'
    body = as_json.json()
    assert body["licence"] == {"id": "NLOD-2.0", "title": "Norsk lisens for offentlige data 2.0 (NLOD 2.0)",
                               "url": "https://data.norge.no/nlod/no/2.0", "attribution": "Valby Lokaludvalg"}
    assert body["language"] == "da"
    as_csv = anyone.get(f"/api/v1/open/results/{survey.pk}.csv?language=en")
    assert as_csv.status_code == 200 and as_csv["Link"].startswith("<https://data.norge.no/nlod/no/2.0>")
    lines = as_csv.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "question_number,question,kind,answer,share,share_low,share_high,average,average_low,average_high,note"
    assert any(line.startswith("2,How safe do you feel?,scale,2,1.0,") for line in lines), lines
    assert any("written answers are not published" in line for line in lines)
    assert "Secret reason" not in as_csv.content.decode()
    assert anyone.get(f"/api/v1/open/results/{build_survey(council).pk}.csv").status_code == 404


def test_open_data_is_limited_per_address(council, settings):
    settings.CIVICPANEL_API_OPEN_RATE_LIMIT = 3
    survey = _published_survey(council, answers=5)
    anyone = client_for(council)
    statuses = [anyone.get(f"/api/v1/open/results/{survey.pk}.json").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    other = Client(HTTP_HOST=f"{council.slug}.localhost", REMOTE_ADDR="192.0.2.7")
    assert other.get(f"/api/v1/open/results/{survey.pk}.csv").status_code == 200  # counted per address


# --- No person, ever ------------------------------------------------------------------------------

FORBIDDEN_KEYS = {"email", "name", "member", "member_id", "members_list", "token", "token_hash", "pseudonym",
                  "author", "created_by", "entered_by", "invitation", "ip"}


def _keys(value) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def test_no_endpoint_ever_returns_a_person(council):
    """A council full of personal data: members with names and e-mails, answers with free text,
    volunteers for an event, ideas by members. Every endpoint, read with a token of every
    scope, returns none of it."""
    from tests.budgeting.factories import build_round
    from tests.events.factories import called_volunteers, make_event

    survey = build_survey(council)
    people = [MemberFactory(council=council, name=f"Secret Person {i}", email=f"secret{i}@example.org")
              for i in range(6)]
    secret_text = "My neighbour Jens Hansen at Toftegårds Allé 7 speeds every night"
    from civicpanel.surveys import services as survey_services

    for person in people:
        invitation, _link = invite(survey, person)
        pages = list(survey.pages.order_by("order"))
        data = {f"q_{survey.q['transport'].uid}": "1", f"q_{survey.q['safety'].uid}": "1"}
        from django.http import QueryDict

        first = QueryDict(mutable=True)
        first.update(data)
        survey_services.response_submit_page(invitation=invitation, page_id=pages[0].pk, data=first, language="en")
        second = QueryDict(mutable=True)
        second[f"q_{survey.q['why'].uid}"] = secret_text
        survey_services.response_submit_page(invitation=invitation, page_id=pages[1].pk, data=second, language="en")
    event = make_event(council)
    called_volunteers(council, event, count=3)
    rnd = build_round(council)
    from civicpanel.budgeting.models import Idea

    Idea.objects.create(council=council, round=rnd, title="Secret idea", description="by a member",
                        author_member=people[0], status=Idea.Status.PUBLIC)
    published = _published_survey(council)
    token = make_token(council)
    client = client_for(council, token)
    ids = {"survey_id": published.pk}
    secrets_ = ({m.email for m in Member.objects.filter(council=council)} | {m.name for m in Member.objects.filter(council=council) if m.name}
                | {secret_text, token, "Secret idea"} | {f"Secret reason {i}" for i in range(8)})
    paths = api_paths()
    assert len(paths) >= 5
    for path in paths:
        response = client.get(concrete(path, ids))
        assert response.status_code == 200, path
        body = response.content.decode()
        leaked = [s for s in secrets_ if s and s in body]
        assert not leaked, f"{path} returned {leaked}"
        if response["Content-Type"].startswith("text/csv"):
            assert "email" not in body.splitlines()[0] and "name" not in body.splitlines()[0].split(","), path
            continue
        assert not _keys(response.json()) & FORBIDDEN_KEYS, f"{path}: {_keys(response.json()) & FORBIDDEN_KEYS}"


# --- The staff page -------------------------------------------------------------------------------

def test_admin_makes_and_revokes_a_token_on_the_settings_page(council, staff_client):
    admin = staff_client("admin")
    page = admin.post("/staff/settings/api/", {"action": "token", "name": "Portal", "scopes": ["surveys", "panel"]})
    assert page.status_code == 200
    shown = re.search(r"cpk_[A-Za-z0-9_\-]{40,}", page.content.decode()).group(0)
    assert client_for(council, shown).get("/api/v1/surveys/").status_code == 200
    again = admin.get("/staff/settings/api/").content.decode()
    assert shown not in again and shown[:10] in again  # shown once; afterwards only its start
    token = ApiToken.objects.get()
    assert admin.post(f"/staff/settings/api/{token.pk}/revoke/").status_code == 302
    assert client_for(council, shown).get("/api/v1/surveys/").status_code == 401
    assert staff_client("manager").get("/staff/settings/api/").status_code == 403
    licence = admin.post("/staff/settings/api/", {"action": "licence", "licence": "NLOD-2.0", "attribution": ""})
    assert licence.status_code == 302
    from civicpanel.api.selectors import licence_info

    assert licence_info(council=council)["url"] == "https://data.norge.no/nlod/no/2.0"
