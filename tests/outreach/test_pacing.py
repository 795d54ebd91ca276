"""At most 10 e-mails a second per council (F2), whatever the number of workers, on a simulated
clock: what is asserted is when each e-mail was allowed to start, not how fast anything ran."""

from __future__ import annotations

import subprocess
import sys

import pytest
from django.core.cache import cache
from django.test import override_settings

from civicpanel.members.models import Member
from civicpanel.outreach import sending
from civicpanel.outreach.models import Delivery
from civicpanel.outreach.pacing import Pacer
from civicpanel.outreach.services import mailing_create
from tests.outreach.factories import members
from tests.test_settings import PRODUCTION_ENV

START = 1_800_000_000.37  # an arbitrary wall-clock time, not on a second boundary


class SimulatedClock:
    """Shared by every simulated worker: sleeping moves the time on for all of them."""

    def __init__(self, now: float = START):
        self.now = now

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.now += seconds


def most_in_any_second(times: list[float]) -> int:
    times = sorted(times)
    return max(sum(1 for u in times if t <= u < t + 1 - 1e-9) for t in times)  # turns are floats: k / rate


def pacer(clock, council_id=1, rate=10) -> Pacer:
    return Pacer(council_id=council_id, rate=rate, clock=clock.time, sleep=clock.sleep)


def test_one_worker_sends_ten_a_second_and_no_more():
    clock = SimulatedClock()
    one = pacer(clock)
    starts = [one.wait_turn() for _ in range(100)]
    assert most_in_any_second(starts) == 10
    assert all(b - a >= 0.1 - 1e-6 for a, b in zip(starts, starts[1:], strict=False))
    assert clock.now - START == pytest.approx(9.9, abs=0.11)  # paced, not slower than the pace


def test_three_workers_together_stay_at_ten_a_second_for_the_council():
    clock = SimulatedClock()
    workers = [pacer(clock) for _ in range(3)]
    starts = [workers[n % 3].wait_turn() for n in range(90)]
    assert most_in_any_second(starts) == 10
    assert len(set(starts)) == 90


def test_each_council_has_its_own_pace():
    clock = SimulatedClock()
    valby, bergen = pacer(clock, council_id=1), pacer(clock, council_id=2)
    starts = {1: [], 2: []}
    for _ in range(40):
        starts[1].append(valby.wait_turn())
        starts[2].append(bergen.wait_turn())
    assert most_in_any_second(starts[1]) == most_in_any_second(starts[2]) == 10
    assert most_in_any_second(starts[1] + starts[2]) == 20  # Bergen does not wait for Valby


def test_a_quiet_council_gets_no_burst_afterwards():
    clock = SimulatedClock()
    one = pacer(clock)
    for _ in range(10):
        one.wait_turn()
    clock.sleep(60)  # a minute without e-mail: its 600 turns are gone, not saved up
    later = [one.wait_turn() for _ in range(30)]
    assert most_in_any_second(later) == 10


def test_zero_switches_pacing_off():
    clock = SimulatedClock()
    one = pacer(clock, rate=0)
    assert [one.wait_turn() for _ in range(50)] == [START] * 50 and clock.now == START


def test_the_production_pace_is_ten_a_second():
    code = ("import django; django.setup(); from civicpanel.outreach.pacing import mail_rate; print(mail_rate())")
    result = subprocess.run([sys.executable, "-c", code], env=PRODUCTION_ENV | {"PATH": "/usr/bin:/bin"},
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert float(result.stdout) == 10


@pytest.mark.django_db
def test_a_wave_goes_out_at_the_pace_and_skips_still_apply(council, mailoutbox, monkeypatch):
    """The worker waits for a turn before each e-mail; a member who unsubscribed meanwhile is
    still skipped (and takes no turn)."""
    people = members(council, 35)
    dummy = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend", "QUEUES": ["default", "mail"]}}
    with override_settings(TASKS=dummy):
        mailing = mailing_create(council=council, actor=None, message_type="test_invitation",
                                 member_ids=[m.pk for m in people], extra_context={"survey_title": "Trafik"},
                                 reference_ids={m.pk: m.pk for m in people})
    Member.objects.filter(pk=people[0].pk).update(wants_surveys=False)
    clock = SimulatedClock()
    sent_at = []
    real_deliver = sending._deliver

    def deliver(*args, **kwargs):
        sent_at.append(clock.now)
        return real_deliver(*args, **kwargs)

    monkeypatch.setattr(sending, "_deliver", deliver)
    cache.clear()
    report = sending.send_mailing_now(mailing.pk, batch_size=10, pacer=pacer(clock, council_id=council.pk))
    assert report.sent == 34 and report.skipped == 1 and len(mailoutbox) == 34
    assert most_in_any_second(sent_at) == 10
    assert clock.now - START == pytest.approx(3.3, abs=0.11)
    assert Delivery.objects.get(mailing=mailing, member=people[0]).state == Delivery.State.SKIPPED
