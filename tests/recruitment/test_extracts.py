"""Address extracts: every bad line is reported with its number and nothing is stored; names
and addresses are encrypted; the extract is deleted after its campaign, keeping only counts."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone, translation

from civicpanel.audit.models import AuditEvent
from civicpanel.recruitment import services
from civicpanel.recruitment.extracts import extract_check
from civicpanel.recruitment.models import Addressee, AddressExtract, CampaignPlan, Letter
from tests.recruitment.helpers import (
    YEAR,
    age_option,
    batch,
    csv_bytes,
    extract,
    letter_campaign,
    residents,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def test_each_bad_line_is_reported_with_its_line_number_and_nothing_is_stored(council):
    lines = [
        f"Anna Jensen;Toftegårds Allé 1;2450;Valby;{YEAR - 30};K;1",
        f"Bo Hansen;Valgårdsvej 2;245;Valby;{YEAR - 40};M;2",          # line 3: postal code
        "Carl Berg;Gade 3;2450;Valby;19x5;M;3",                        # line 4: birth year
        f"Dorte Lund;Gade 4;2450;Valby;{YEAR - 50};X;4",                # line 5: gender
        f"Eva Holm;Gade 5;9999;Aarhus;{YEAR - 50};K;5",                 # line 6: outside the council
        f"Finn Dahl;;2450;Valby;{YEAR - 10};M;6",                       # line 7: no address, too young
        f"Anna Jensen;Toftegårds Allé 1;2450;Valby;{YEAR - 30};K;7",    # line 8: same as line 2
        "Gitte Ravn;Gade 9;2450;Valby;1990;K;010190-1234",              # line 9: a CPR number
    ]
    report = extract_check(council=council, data=csv_bytes(lines), filename="x.csv")
    assert [line.number for line in report.bad] == [3, 4, 5, 6, 7, 8, 9]
    messages = {line.number: " ".join(line.errors) for line in report.bad}
    assert "postal code “245”" in messages[3]
    assert "19x5" in messages[4]
    assert "“X”" in messages[5]
    assert "9999 is not in the council's area" in messages[6]
    assert "address is empty" in messages[7] and f"{YEAR - 10} is outside" in messages[7]
    assert "line 2" in messages[8]
    assert "personal identification number" in messages[9]
    campaign = letter_campaign(council)
    with pytest.raises(services.ExtractRefused):
        services.extract_upload(council=council, actor=None, campaign=campaign, data=csv_bytes(lines),
                                filename="x.csv")
    assert not AddressExtract.objects.exists() and not Addressee.objects.exists()


def test_a_column_of_personal_numbers_refuses_the_whole_file(council):
    data = csv_bytes([f"Anna;Gade 1;2450;{YEAR - 30};K;0101901234"], header="navn;adresse;postnr;fødselsår;køn;cpr")
    report = extract_check(council=council, data=data, filename="x.csv")
    assert not report.ok and "line 1" in report.file_error and "cpr" in report.file_error


def test_missing_columns_are_named(council):
    report = extract_check(council=council, data=b"name;address\nA;B\n", filename="x.csv")
    assert "postal_code, birth_year, gender" in report.file_error


def test_danish_headers_are_understood_and_groups_placed(council):
    data = csv_bytes([f"Anna Jensen;Toftegårds Allé 1;2450;{YEAR - 20};K",
                      f"Bo Hansen;Valgårdsvej 2;2500;{YEAR - 70};mand"], header="Navn;Adresse;Postnr;Fødselsår;Køn")
    report = extract_check(council=council, data=data, filename="x.csv")
    assert report.ok
    young, old = report.lines
    assert young.age_option_id == age_option(council, "15-24").pk and young.gender == "woman"
    assert young.district_option_id is not None  # 2450 is Gammel Valby's alone
    assert old.district_option_id is None        # 2500 is shared by two districts: left open
    assert old.gender == "man"


def test_names_and_addresses_are_encrypted_at_rest(council):
    extract(council, [f"Sentinel Navnesen;Hemmeligvej 77;2450;Valby;{YEAR - 30};K;R1"])
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, address FROM recruitment_addressee")
        name, address = cursor.fetchone()
    assert "Sentinel" not in name and "Hemmeligvej" not in address
    assert Addressee.objects.get().name == "Sentinel Navnesen"


def test_extract_is_deleted_after_the_campaign_keeping_only_counts(council):
    the_extract = extract(council, residents(4, age=20) + residents(2, age=60, gender="M", start=10))
    made = batch(council, the_extract)
    CampaignPlan.objects.filter(campaign=the_extract.campaign).update(
        ends_on=timezone.localdate() - datetime.timedelta(days=30))
    # The council keeps extracts 30 days after the end: the 30th day is still within.
    assert services.extracts_purge_due().extracts == {}
    assert Addressee.objects.count() == 6
    CampaignPlan.objects.filter(campaign=the_extract.campaign).update(
        ends_on=timezone.localdate() - datetime.timedelta(days=31))
    call_command("recruitment_purge")
    the_extract.refresh_from_db()
    assert the_extract.purged_at is not None
    assert not Addressee.objects.exists()
    assert the_extract.group_counts["total"] == 6
    assert the_extract.group_counts[f"age:{age_option(council, '15-24').pk}"] == 4
    assert Letter.objects.filter(batch=made).count() == 6  # the letters' groups stay for conversion figures
    assert Letter.objects.filter(batch=made, age_option=age_option(council, "15-24")).count() == 4
    event = AuditEvent.objects.get(action="recruitment.extract_purge")
    assert event.actor_label == "system" and event.detail["addressees"] == 6
    assert services.extracts_purge_due().extracts == {}  # nothing left to do


def test_upload_page_lists_errors_by_line_and_stores_nothing(council, staff_client):
    client = staff_client("manager")
    data = csv_bytes([f"Anna;Gade 1;2450;Valby;{YEAR - 30};K;1", f"Bo;Gade 2;2450;Valby;{YEAR - 30};Q;2"])
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post("/staff/recruitment/extracts/new/", {
        "campaign": "new", "new_name": "Breve", "ends_on": (timezone.localdate() + datetime.timedelta(days=9)).isoformat(),
        "file": SimpleUploadedFile("x.csv", data, content_type="text/csv")}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    html = response.content.decode()
    assert "Nothing was stored from x.csv" in html and "“Q”" in html
    assert not AddressExtract.objects.exists()


def test_upload_page_stores_a_good_file(council, staff_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = staff_client("manager")
    response = client.post("/staff/recruitment/extracts/new/", {
        "campaign": "new", "new_name": "Breve", "ends_on": (timezone.localdate() + datetime.timedelta(days=9)).isoformat(),
        "file": SimpleUploadedFile("x.csv", csv_bytes(residents(3, age=20)), content_type="text/csv")})
    the_extract = AddressExtract.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/extracts/{the_extract.pk}/")
    assert the_extract.row_count == 3 and the_extract.campaign.channel == "letter"
    assert AuditEvent.objects.filter(action="recruitment.extract_upload").count() == 1


def test_a_named_district_overrides_a_shared_postal_code(council):
    data = csv_bytes([f"Anna;Gade 1;2500;{YEAR - 30};K;vigerslev", f"Bo;Gade 2;2500;{YEAR - 30};M;Nowhere"],
                     header="name;address;postal_code;birth_year;gender;bydel")
    report = extract_check(council=council, data=data, filename="x.csv")
    vigerslev = council.districts.get(name="Vigerslev").profile_option
    assert report.lines[0].district_option_id == vigerslev.pk and not report.lines[0].errors
    assert [line.number for line in report.bad] == [3] and "Nowhere" in report.bad[0].errors[0]
