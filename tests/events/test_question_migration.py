"""Registration questions becoming the one questionnaire model (events 0004) keeps every
question and every volunteer's answer as it was; the new kinds work on the migrated rows."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from tests.migration_steps import migrate

BEFORE = [("events", "0003_event_outcome")]
AFTER = [("events", "0004_registration_questions_every_kind")]


@pytest.mark.django_db(transaction=True)
def test_existing_questions_and_answers_survive(council):
    from tests.factories import MemberFactory

    member = MemberFactory(council=council)
    old = migrate(BEFORE)
    now = timezone.now()
    event = old.get_model("events", "Event").objects.create(
        council_id=council.pk, title={"en": "User test"}, volunteer_deadline=now + timedelta(days=3), seed=7,
        seed_commitment="x" * 64)
    question = old.get_model("events", "RegistrationQuestion").objects.create(
        event=event, uid="qdevice", kind="single", text={"en": "Device?"}, required=True,
        options=[{"code": "1", "label": {"en": "Phone"}}, {"code": "2", "label": {"en": "Computer"}}])
    call = old.get_model("events", "Call").objects.create(event=event)
    participant = old.get_model("events", "Participant").objects.create(
        event=event, member_id=member.pk, call=call, token_salt="s", pseudonym="P-1", called_at=now,
        volunteered_at=now, answers={"qdevice": "2"})
    try:
        migrate(AFTER)
        from civicpanel.events.models import Participant, RegistrationQuestion
        from civicpanel.questionnaires.kinds import answer_display

        kept = RegistrationQuestion.objects.get(pk=question.pk)
        assert (kept.uid, kept.kind, kept.required, kept.text) == ("qdevice", "single", True, {"en": "Device?"})
        answered = Participant.objects.get(pk=participant.pk)
        assert answered.answers == {"qdevice": "2"} and answered.answer_others == {}
        assert answer_display(kept, answered.answers["qdevice"]) == "Computer"
        # A kind only surveys had before can now be stored beside it.
        RegistrationQuestion.objects.create(event_id=event.pk, uid="qscale", kind="scale", text={"en": "Sure?"},
                                            settings={"scale_min": 1, "scale_max": 5}, order=1)
        assert [q.uid for q in RegistrationQuestion.objects.filter(event_id=event.pk)] == ["qdevice", "qscale"]
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
