"""bulk_insert stores exactly what Django's own insert stores, on every database: the COPY path of
PostgreSQL passes plain values straight to the driver and the rest through Django."""

from __future__ import annotations

import datetime

import pytest
from django.forms.models import model_to_dict
from django.utils import timezone

from civicpanel.common.bulk_insert import bulk_insert
from civicpanel.outreach.models import Delivery, Mailing
from civicpanel.surveys.models import Invitation, Wave
from tests.factories import MemberFactory
from tests.surveys.factories import build_survey

pytestmark = pytest.mark.django_db


def stored(model, pks) -> list[dict]:
    rows = model.objects.filter(pk__in=pks).order_by("pk")
    return [{f.attname: getattr(row, f.attname) for f in model._meta.concrete_fields
             if not f.primary_key and f.attname != "mailing_id"} for row in rows]


def test_the_rows_read_back_as_djangos_own_insert_stores_them(council):
    members = [MemberFactory(council=council) for _ in range(3)]
    mailings = [Mailing.objects.create(council=council, message_type="survey_invitation", reference="survey:1")
                for _ in range(2)]
    moment = timezone.now().replace(microsecond=123456)
    naive = datetime.datetime(2026, 5, 1, 12, 30)  # noqa: DTZ001 - Django makes it aware; so must we

    def deliveries(mailing):
        return [Delivery(mailing=mailing, member=members[0], reference_id=2**40, language="nb",
                         state=Delivery.State.SKIPPED, skip_reason=Delivery.SkipReason.BOUNCED, attempts=3,
                         next_attempt_at=moment, claim_token="t" * 32, sent_at=None),
                Delivery(mailing=mailing, member=members[1], reference_id=None)]

    ours, theirs = deliveries(mailings[0]), deliveries(mailings[1])
    bulk_insert(ours)
    Delivery.objects.bulk_create(theirs)
    assert stored(Delivery, [d.pk for d in ours]) == stored(Delivery, [d.pk for d in theirs])
    assert stored(Delivery, [d.pk for d in ours])[0]["state"] == "skipped"

    survey = build_survey(council)
    wave = Wave.objects.create(survey=survey, kind=Wave.Kind.INVITATION, send_at=moment)
    with pytest.warns(RuntimeWarning, match="naive datetime"):
        ours = [Invitation(survey=survey, member=members[2], wave=wave, token_salt="s", invited_at=naive,
                           inclusion_probability=0.125, token_hash="h" * 64)]
        bulk_insert(ours)
    row = model_to_dict(Invitation.objects.get(pk=ours[0].pk))
    assert row["inclusion_probability"] == 0.125 and row["token_hash"] == "h" * 64
    assert Invitation.objects.get(pk=ours[0].pk).invited_at == timezone.make_aware(naive)
