"""Residents who take part without panel membership: the status e-mails they opted into, and
their own data to download and erase through a link to their confirmed e-mail."""

from __future__ import annotations

import json
import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from civicpanel.budgeting import counting, voting
from civicpanel.budgeting.models import Ballot, Idea, Project, Resident, ResidentNotice, VoterRecord
from civicpanel.budgeting.voting import voter_for_resident
from tests.budgeting.factories import build_round, image_bytes

pytestmark = pytest.mark.django_db


def _link(message) -> str:
    return re.search(r"https?://[^/\s]+(/pb/\S+)", message.body).group(1)


def _join(council, rnd, email, *, wants_updates, capture):
    client = Client(HTTP_HOST=f"{council.slug}.localhost", HTTP_ACCEPT_LANGUAGE="en")
    data = {"email": email, "postal_code": "2500", "birth_year": "1990"}
    if wants_updates:
        data["wants_updates"] = "on"
    with capture(execute=True):
        assert client.post(reverse("budgeting:resident_join", args=[rnd.pk]), data).status_code == 200
    opened = client.get(_link(mail.outbox[-1]))
    assert client.post(opened["Location"]).status_code == 302
    return client, Resident.objects.by_email(email, council=council).get()


def test_residents_who_asked_get_the_status_e_mails_and_can_stop_them(council, staff_client,
                                                                      django_capture_on_commit_callbacks):
    rnd = build_round(council, allow_residents=True)
    asked_client, asked = _join(council, rnd, "asked@example.net", wants_updates=True,
                                capture=django_capture_on_commit_callbacks)
    _quiet_client, quiet = _join(council, rnd, "quiet@example.net", wants_updates=False,
                                 capture=django_capture_on_commit_callbacks)
    for resident in (asked, quiet):
        voting.ballot_cast(round=rnd, voter=voter_for_resident(resident), pot="city", choices=[1])
    counting.round_count(council=council, actor=rnd.actor, round=rnd)
    project = rnd.projects.get(number=1)
    assert project.funded
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        staff_client("admin").post(reverse("staff:pb_project_update", args=[rnd.pk, project.pk]), {
            "status": "building", "date": "2027-05-01", "text_da": "Vi bygger nu.", "text_en": "Building now.",
            "image_1": SimpleUploadedFile("site.png", image_bytes(), content_type="image/png")})
    to_residents = [m for m in mail.outbox if m.to[0].endswith("example.net")]
    assert [m.to for m in to_residents] == [["asked@example.net"]]
    body = to_residents[0].body
    assert "Building now." in body and f"/pb/{rnd.pk}/access/" in body
    assert ResidentNotice.objects.get().sent_at is not None
    # Sent once: running the sending again sends nothing.
    from civicpanel.budgeting.notifications import resident_notices_send

    assert resident_notices_send.call(ResidentNotice.objects.get().update_id) == 0
    # On their own page they stop the e-mails.
    asked_client.post(reverse("budgeting:resident_updates", args=[rnd.pk]), {})
    assert Resident.objects.get(pk=asked.pk).wants_updates is False


def test_a_resident_gets_and_erases_their_data_through_a_link_to_their_address(council,
                                                                               django_capture_on_commit_callbacks):
    rnd = build_round(council, allow_residents=True)
    _client, resident = _join(council, rnd, "rita@example.net", wants_updates=True,
                              capture=django_capture_on_commit_callbacks)
    voting.ballot_cast(round=rnd, voter=voter_for_resident(resident), pot="city", choices=[2, 3])
    Idea.objects.create(council=council, round=rnd, author_resident=resident, title="Benches", description="d",
                        status=Idea.Status.SUBMITTED)
    public = Idea.objects.create(council=council, round=rnd, author_resident=resident, title="Trees", description="d",
                                 status=Idea.Status.PUBLIC)

    # Another device, later: the address is asked for, and the same answer comes for any address.
    device = Client(HTTP_HOST=f"{council.slug}.localhost", HTTP_ACCEPT_LANGUAGE="en")
    access = reverse("budgeting:resident_access", args=[rnd.pk])
    assert device.get(reverse("budgeting:resident_data", args=[rnd.pk]))["Location"] == access
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        unknown = device.post(access, {"email": "nobody@example.net"})
        known = device.post(access, {"email": "RITA@example.net"})
    for answer in (unknown, known):  # the same page (only the CSP nonce differs)
        assert answer.status_code == 200 and "If the address took part" in answer.content.decode()
    assert len(mail.outbox) == 1
    assert "15 minutes" in mail.outbox[0].body
    continue_url = device.get(_link(mail.outbox[0]))["Location"]
    assert device.post(continue_url)["Location"] == reverse("budgeting:my", args=[rnd.pk])
    page = device.get(reverse("budgeting:my", args=[rnd.pk])).content.decode()
    assert "Download my data" in page and "Erase my data" in page

    data = json.loads(device.get(reverse("budgeting:resident_data", args=[rnd.pk])).content)
    assert data["resident"]["email"] == "rita@example.net" and data["resident"]["status_emails"] is True
    assert {i["title"] for i in data["pb_ideas"]} == {"Benches", "Trees"}
    assert data["pb_votes"][0]["ballot"] == ["Project 2", "Project 3"]

    assert device.post(reverse("budgeting:resident_erase", args=[rnd.pk]), {}).status_code == 302  # not ticked
    erased = device.post(reverse("budgeting:resident_erase", args=[rnd.pk]), {"confirm": "on"})
    assert erased.status_code == 200 and "erased" in erased.content.decode()
    row = Resident.objects.get(pk=resident.pk)
    assert row.email is None and row.birth_year is None and row.postal_code == "" and row.email_hash
    assert list(Idea.objects.filter(round=rnd).values_list("title", flat=True)) == ["Trees"]
    assert Idea.objects.get(pk=public.pk).author_resident is None
    record = VoterRecord.objects.get(round=rnd)
    assert record.resident is None and record.salt == ""
    assert Ballot.objects.filter(round=rnd).count() == 1  # still counted
    assert device.get(reverse("budgeting:resident_data", args=[rnd.pk])).status_code == 302  # the session is gone
    # The same address cannot vote a second time by joining again.
    _again_client, again = _join(council, rnd, "rita@example.net", wants_updates=False,
                                 capture=django_capture_on_commit_callbacks)
    assert again.pk == resident.pk
    with pytest.raises(Exception, match="already voted|change"):
        voting.ballot_cast(round=rnd, voter=voter_for_resident(again), pot="city", choices=[1],
                           paper=True)
    assert Ballot.objects.filter(round=rnd).count() == 1 and Project.objects.filter(round=rnd).exists()
