"""A large wave is written by the worker: the send page answers at once, the invitations and
e-mails come once the worker has run, exactly as a wave written in the request would have them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from civicpanel.members.models import Member
from civicpanel.outreach.models import Delivery
from civicpanel.surveys import services, waves
from civicpanel.surveys.audience import audience_plan
from civicpanel.surveys.models import Invitation, Survey, Wave, WavePlan
from civicpanel.surveys.sampling import SampleRequest, sample_draw
from tests.surveys.factories import build_survey, confirm_and_send
from tests.surveys.sample_panel import build_panel, set_population

pytestmark = pytest.mark.django_db


@pytest.fixture
def panel(council, monkeypatch):
    """150 members; any wave of 20 or more goes to the worker."""
    monkeypatch.setattr(waves, "PREPARED_BY_WORKER_FROM", 20)
    set_population(council)
    return build_panel(council, size=150)


def send(council, survey, capture, **kwargs):
    """wave_send as the send page calls it, and what the worker then does: running the task
    queued at the commit (the test settings run tasks at once)."""
    with capture(execute=False) as callbacks:
        wave = services.wave_send(council=council, actor=None, survey=survey, **kwargs)

    def run_worker():
        for callback in callbacks:
            callback()

    return wave, run_worker


def test_a_large_wave_is_answered_at_once_and_written_by_the_worker(council, panel,
                                                                    django_capture_on_commit_callbacks):
    survey = build_survey(council)
    wave, run_worker = send(council, survey, django_capture_on_commit_callbacks, filters={})
    assert not wave.prepared and wave.mailing_id is None
    assert not Invitation.objects.filter(survey=survey).exists()
    planned = WavePlan.objects.get(wave=wave).member_ids
    assert len(planned) == wave.recipient_count == waves.preparing(survey) >= 20

    run_worker()
    wave.refresh_from_db()
    assert wave.prepared and waves.preparing(survey) == 0 and not WavePlan.objects.exists()
    invited = set(Invitation.objects.filter(wave=wave).values_list("member_id", flat=True))
    assert invited == set(planned)
    assert set(Delivery.objects.filter(mailing=wave.mailing).values_list("member_id", flat=True)) == invited
    references = dict(Invitation.objects.filter(wave=wave).values_list("member_id", "pk"))
    assert all(references[d.member_id] == d.reference_id for d in Delivery.objects.filter(mailing=wave.mailing))
    assert not Invitation.objects.filter(wave=wave, token_hash__isnull=True).exists()


def test_a_sample_written_by_the_worker_keeps_each_members_inclusion_probability(
        council, panel, django_capture_on_commit_callbacks):
    survey = build_survey(council)
    pool = audience_plan(council=council, survey=survey, filters={}, with_composition=False).member_ids
    expected = sample_draw(council=council, survey=survey, member_ids=pool, request=SampleRequest(size=40, seed=7))
    wave, run_worker = send(council, survey, django_capture_on_commit_callbacks, sample=SampleRequest(size=40, seed=7))
    run_worker()
    stored = dict(Invitation.objects.filter(wave=wave).values_list("member_id", "inclusion_probability"))
    assert set(stored) == set(expected.selected)
    assert all(stored[m] == pytest.approx(expected.inclusion[m]) for m in stored)


def test_no_second_sending_while_one_is_prepared_and_the_pages_say_so(council, panel, staff_client,
                                                                      django_capture_on_commit_callbacks):
    survey = build_survey(council)
    client = staff_client("manager")
    url = reverse("staff:survey_send", args=[survey.pk])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = confirm_and_send(client, url, {})
    assert response.status_code == 302 and response["Location"] == reverse("staff:survey_progress", args=[survey.pk])
    wave = Wave.objects.get(survey=survey)
    progress = client.get(response["Location"]).content.decode()
    assert f"The invitations to {wave.recipient_count} members are being prepared" in progress
    assert "being prepared</span>" in progress
    assert "are still being prepared, so they still count as not invited" in client.get(url).content.decode()

    with pytest.raises(ValidationError, match="still being prepared"):
        services.wave_send(council=council, actor=None, survey=survey, filters={})
    page = confirm_and_send(client, url, {})
    assert page.status_code == 200 and "still being prepared" in page.content.decode()
    assert Wave.objects.filter(survey=survey).count() == 1

    for callback in callbacks:
        callback()
    assert "being prepared" not in client.get(reverse("staff:survey_progress", args=[survey.pk])).content.decode()


def test_members_who_left_meanwhile_are_not_invited(council, panel, django_capture_on_commit_callbacks):
    survey = build_survey(council)
    wave, run_worker = send(council, survey, django_capture_on_commit_callbacks, filters={})
    planned = WavePlan.objects.get(wave=wave).member_ids
    Member.objects.filter(pk=planned[0]).update(status=Member.Status.LEFT)
    Member.objects.filter(pk=planned[1]).delete()  # erased
    run_worker()
    wave.refresh_from_db()
    assert wave.recipient_count == len(planned) - 2
    assert set(Invitation.objects.filter(wave=wave).values_list("member_id", flat=True)) == set(planned[2:])


def test_the_contact_limit_holds_when_another_survey_is_sent_meanwhile(council, panel,
                                                                      django_capture_on_commit_callbacks):
    """The whole panel is planned; before the worker writes it, other surveys' sendings (written
    at once) bring one member to the contact limit: the planned wave leaves that member out,
    counted under the limit, instead of contacting them once more."""
    from tests.surveys.factories import invite

    survey = build_survey(council)
    wave, run_worker = send(council, survey, django_capture_on_commit_callbacks, filters={})
    planned = WavePlan.objects.get(wave=wave).member_ids
    member = Member.objects.get(pk=planned[0])
    before = wave.left_out["contacted_recently"]
    for _ in range(2):  # the limit in tests: 2 in 30 days
        invite(build_survey(council), member)
    run_worker()
    wave.refresh_from_db()
    assert not Invitation.objects.filter(wave=wave, member=member).exists()
    assert wave.recipient_count == len(planned) - 1
    assert wave.left_out["contacted_recently"] == before + 1


@pytest.mark.parametrize("what", ["cancelled", "survey closed"])
def test_a_wave_called_off_before_the_worker_writes_nothing(council, panel, what, staff_client,
                                                            django_capture_on_commit_callbacks):
    survey = build_survey(council)
    later = timezone.now() + timedelta(days=1)
    wave, run_worker = send(council, survey, django_capture_on_commit_callbacks, filters={}, send_at=later)
    if what == "cancelled":  # from the response rate page, where it is offered while being prepared
        client = staff_client("manager")
        cancel = reverse("staff:survey_wave_cancel", args=[survey.pk, wave.pk])
        assert cancel in client.get(reverse("staff:survey_progress", args=[survey.pk])).content.decode()
        assert client.post(cancel).status_code == 302
    else:
        Survey.objects.filter(pk=survey.pk).update(status=Survey.Status.CLOSED)
    run_worker()
    wave.refresh_from_db()
    assert wave.prepared and wave.cancelled_at is not None and wave.mailing_id is None
    assert not Invitation.objects.filter(survey=survey).exists() and not WavePlan.objects.exists()
    progress = staff_client("manager").get(reverse("staff:survey_progress", args=[survey.pk])).content.decode()
    assert "cancelled</span>" in progress and "being prepared" not in progress


def test_the_task_run_twice_writes_once(council, panel, django_capture_on_commit_callbacks):
    survey = build_survey(council)
    wave, run_worker = send(council, survey, django_capture_on_commit_callbacks, filters={})
    run_worker()
    run_worker()
    waves.wave_prepare(wave_id=wave.pk)
    assert Invitation.objects.filter(survey=survey).count() == wave.recipient_count
    assert Delivery.objects.filter(mailing__reference=f"survey:{survey.pk}").count() == wave.recipient_count


def test_a_worker_that_fails_half_way_leaves_nothing_and_is_resumed(council, panel, monkeypatch,
                                                                    django_capture_on_commit_callbacks):
    survey = build_survey(council)
    wave, _run = send(council, survey, django_capture_on_commit_callbacks, filters={})

    def crash(**kwargs):
        raise RuntimeError("worker killed")

    real = waves.mailing_create
    monkeypatch.setattr(waves, "mailing_create", crash)
    with pytest.raises(RuntimeError):
        waves.wave_prepare(wave_id=wave.pk)  # after the invitations, before the e-mails
    assert not Invitation.objects.filter(survey=survey).exists()
    assert WavePlan.objects.filter(wave=wave).exists() and not Wave.objects.get(pk=wave.pk).prepared

    monkeypatch.setattr(waves, "mailing_create", real)
    call_command("surveys_waves_resume")  # too early: the worker may still be on it
    assert not Wave.objects.get(pk=wave.pk).prepared
    WavePlan.objects.filter(wave=wave).update(created_at=timezone.now() - timedelta(minutes=11))
    with django_capture_on_commit_callbacks(execute=True):
        call_command("surveys_waves_resume")
    assert Wave.objects.get(pk=wave.pk).prepared
    assert Invitation.objects.filter(survey=survey).count() == wave.recipient_count


def test_small_waves_and_paper_are_still_written_in_the_request(council, panel, monkeypatch):
    monkeypatch.setattr(waves, "PREPARED_BY_WORKER_FROM", 10_000)
    survey = build_survey(council)
    wave = services.wave_send(council=council, actor=None, survey=survey, filters={})
    assert wave.prepared and Invitation.objects.filter(wave=wave).count() == wave.recipient_count
    monkeypatch.setattr(waves, "PREPARED_BY_WORKER_FROM", 1)
    Member.objects.filter(council=council).update(email=None)
    other = build_survey(council)
    paper = services.wave_send(council=council, actor=None, survey=other, filters={}, channel=Wave.Channel.PAPER)
    assert paper.prepared and Invitation.objects.filter(wave=paper).count() == paper.recipient_count > 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_sendings_at_once_never_choose_a_member_twice(council, monkeypatch):
    """Whole-panel and district sendings at the same moment, each large enough for the worker
    (which the test settings run right after each commit): whichever order the locks give,
    nobody gets two invitations or two e-mails, and a refused sending says why."""
    from django.db import connection

    from tests.concurrency import run_at_once
    from tests.surveys.test_sending import district_code

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers anyway")
    monkeypatch.setattr(waves, "PREPARED_BY_WORKER_FROM", 20)
    set_population(council)
    build_panel(council, size=150)
    survey = build_survey(council)
    audiences = [{}, {"district": [district_code(council)]}, {}, {"district": [district_code(council, 1)]}]
    errors = run_at_once([lambda f=f: services.wave_send(council=council, actor=None, survey=survey, filters=f)
                          for f in audiences])
    assert all(isinstance(e, ValidationError) for e in errors), errors
    invited = list(Invitation.objects.filter(survey=survey).values_list("member_id", flat=True))
    assert len(invited) == len(set(invited)) > 0
    mailed = list(Delivery.objects.filter(mailing__reference=f"survey:{survey.pk}").values_list("member_id", flat=True))
    assert sorted(mailed) == sorted(invited)
    assert not Wave.objects.filter(survey=survey, prepared=False).exists()
