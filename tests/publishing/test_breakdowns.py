"""Published breakdowns: staff choose up to two profile questions when publishing; each group's
shares appear beside the whole, and nothing hidden can be worked out from what is shown, by
subtraction from the group's size, from the whole's line or across the two breakdowns."""

from __future__ import annotations

import numpy as np
import pytest
from django.test import Client
from django.urls import reverse

from civicpanel.audit.models import AuditEvent
from civicpanel.panel.models import ProfileQuestion
from civicpanel.publishing import services
from civicpanel.publishing.models import Publication
from civicpanel.publishing.results import public_results
from civicpanel.surveys.models import Answer
from civicpanel.surveys.results import question_results, respondent_categories
from tests.methods.test_disclosure import _reader_solves
from tests.publishing.factories import closed_survey

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey(council):
    survey, _members, _invitations = closed_survey(council)
    services.publication_publish(council=council, actor=None, survey=survey)
    return survey


def counts_by(survey, key: str, question) -> tuple[np.ndarray, list[str]]:
    """The raw answers x groups counts (with the people in no group last), as the reader would
    need them, computed here from the answers."""
    profile = ProfileQuestion.objects.get(council=survey.council, key=key)
    options = list(profile.options.all())
    categories = respondent_categories(survey=survey, question=profile)
    present = [o for o in options if any(o.pk in opts for opts in categories.values())]
    items, _hidden = question_results(council=survey.council, survey=survey)
    codes = [str(row["code"]) for row in next(i for i in items if i["question"] == question)["table"]]
    table = np.zeros((len(codes), len(present) + 1), dtype=np.int64)
    for response_id, value in Answer.objects.filter(question=question).values_list("response_id", "value"):
        opts = categories.get(response_id, set())
        column = next((i for i, o in enumerate(present) if o.pk in opts), len(present))
        table[codes.index(str(value)), column] += 1
    return table, [o.text for o in present]


def test_staff_choose_breakdowns_and_nothing_hidden_can_be_worked_out(council, survey, staff_client):
    manager = staff_client("manager")
    url = reverse("staff:survey_publish", args=[survey.pk])
    page = manager.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Breakdowns on the public page" in page and 'value="district"' in page
    assert 'value="interests"' not in page  # several answers per person: groups would overlap
    assert manager.post(url, {"action": "breakdowns", "breakdowns": ["district", "gender"]}).status_code == 302
    assert Publication.objects.get(survey=survey).breakdowns == ["district", "gender"]
    assert AuditEvent.objects.filter(council=council, action="survey.results_breakdowns").count() == 1

    results = public_results(council=council, survey=survey)
    transport = next(q for q in results.questions if q.label == "How do you travel?")
    assert [b.title for b in transport.breakdowns] == ["District", "Gender"]
    # The reader's view: the line as shown and every table as shown, against the true counts.
    tables, masks = [], []
    for key, breakdown in zip(("district", "gender"), transport.breakdowns, strict=True):
        table, groups = counts_by(survey, key, survey.q["transport"])
        tables.append(table)
        mask = np.ones(table.shape, dtype=bool)  # the people in no group: never shown
        if not breakdown.withdrawn:
            assert [row.label for row in breakdown.rows] == groups
            for g, row in enumerate(breakdown.rows):
                mask[:, g] = [share is None for share in row.shares]
                for k, share in enumerate(row.shares):
                    if share is not None:
                        assert share == pytest.approx(table[k, g] / table[:, g].sum())
                        assert not 0 < table[k, g] < 5
        if table[:, -1].sum() == 0:  # nobody in no group: that column is not there
            table, mask = table[:, :-1], mask[:, :-1]
            tables[-1] = table
        masks.append(mask)
    line = tables[0].sum(axis=1)
    line_mask = np.array([row.hidden for row in transport.rows])
    assert line_mask[1:3].all()  # bike 3 and car 7 stay hidden in the whole
    assert not all(b.withdrawn for b in transport.breakdowns)
    assert _reader_solves(line, tables, line_mask, masks) == []

    # The public page shows the tables; the open data too.
    visitor = Client(HTTP_HOST=f"{council.slug}.localhost")
    public = visitor.get(reverse("publishing:survey", args=[survey.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "not weighted" in public
    for breakdown in transport.breakdowns:
        if breakdown.withdrawn:
            assert f"By {breakdown.title}: not shown" in public
        else:
            assert f"How do you travel? by {breakdown.title}" in public
    document = visitor.get(f"/api/v1/open/results/{survey.pk}.json?language=en").json()
    first = next(q for q in document["questions"] if q["text"] == "How do you travel?")
    assert [b["by"] for b in first["breakdowns"]] == ["District", "Gender"]


def test_at_most_two_and_only_listed_breakdowns(council, survey, staff_client):
    manager = staff_client("manager")
    url = reverse("staff:survey_publish", args=[survey.pk])
    manager.post(url, {"action": "breakdowns", "breakdowns": ["district", "gender", "birth_year"]})
    manager.post(url, {"action": "breakdowns", "breakdowns": ["interests"]})
    assert Publication.objects.get(survey=survey).breakdowns == []
    with pytest.raises(Exception, match="at most two"):
        services.publication_breakdowns_set(council=council, actor=None, survey=survey,
                                            keys=["district", "gender", "birth_year"])


def test_a_multiple_choice_breakdown_hides_each_option_with_its_own_line(council, survey):
    services.publication_breakdowns_set(council=council, actor=None, survey=survey, keys=["district"])
    results = public_results(council=council, survey=survey)
    for question in results.questions:
        for breakdown in question.breakdowns:
            for row in breakdown.rows:
                assert len(row.shares) == len(question.rows)
