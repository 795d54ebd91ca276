"""The council admin's settings pages: only admins reach them, every change goes through a
service that writes its audit row, and the rules an admin relies on hold (consent versions are
never edited, districts stay in sync with their profile option, chosen options are not removed)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from civicpanel.audit.models import AuditEvent
from civicpanel.members.models import MemberAnswer
from civicpanel.panel.models import (
    Campaign,
    ConsentVersion,
    PopulationFigure,
    ProfileOption,
    ProfileQuestion,
)
from civicpanel.tenancy.models import District
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def _urls(council) -> list[str]:
    district = council.districts.first()
    question = council.profile_questions.get(key="gender")
    option = question.options.first()
    return [
        reverse("staff:settings"), reverse("staff:settings_general"), reverse("staff:settings_districts"),
        reverse("staff:settings_district", args=[district.pk]), reverse("staff:settings_profile"),
        reverse("staff:settings_profile_add"), reverse("staff:settings_question", args=[question.pk]),
        reverse("staff:settings_option", args=[option.pk]), reverse("staff:settings_consent"),
        reverse("staff:settings_population"), reverse("staff:settings_population_question", args=[question.pk]),
        reverse("staff:settings_campaigns"),
    ]


@pytest.fixture
def admin(staff_client):
    return staff_client("admin")


def _events(council, action: str) -> int:
    return AuditEvent.objects.filter(council=council, action=action).count()


# --- who may reach the pages -----------------------------------------------------------------

def test_only_admins_reach_every_settings_page(council, staff_client):
    urls = _urls(council)
    admin, manager, analyst = staff_client("admin"), staff_client("manager"), staff_client("analyst")
    for url in urls:
        assert admin.get(url).status_code == 200, url
        assert manager.get(url).status_code == 403, url
        assert analyst.get(url).status_code == 403, url
    for name in ("staff:settings_district_move", "staff:settings_population_upload"):
        args = [council.districts.first().pk] if name.endswith("move") else []
        assert manager.post(reverse(name, args=args), {"direction": "up"}).status_code == 403


def test_staff_of_another_council_get_404_for_its_objects(council, other_council, staff_client):
    # An admin of Bergen, on Bergen's host, asking for Valby's district, question and option.
    bergen_admin = staff_client("admin", council=other_council)
    for url in _urls(council)[3:4] + _urls(council)[6:8] + _urls(council)[10:11]:
        assert bergen_admin.get(url).status_code == 404, url
    district = council.districts.first()
    assert bergen_admin.post(reverse("staff:settings_district", args=[district.pk]), {"delete": "1"}).status_code == 404
    assert District.objects.filter(pk=district.pk).exists()
    # An admin of Valby on Bergen's host is not staff there.
    valby_admin = staff_client("admin", council=council)
    valby_admin.defaults["HTTP_HOST"] = f"{other_council.slug}.localhost"
    assert valby_admin.get(reverse("staff:settings")).status_code == 404


def test_settings_menu_entry_and_overview(admin):
    page = admin.get(reverse("staff:settings")).content.decode()
    for name in ("settings_general", "settings_districts", "settings_profile", "settings_consent",
                 "settings_population", "settings_campaigns"):
        assert reverse(f"staff:{name}") in page
    assert "2 districts" in page and "7 of 7 active" in page and "Version 1" in page
    assert "0 of 6 questions complete" in page


def test_list_pages_use_a_bounded_number_of_queries(council, admin, django_assert_max_num_queries):
    for i in range(5):
        MemberFactory(council=council, district=council.districts.first(), email=f"m{i}@example.net")
        Campaign.objects.create(council=council, code=f"c{i}", name=f"Campaign {i}", channel="poster")
    for name in ("settings", "settings_districts", "settings_profile", "settings_consent", "settings_population",
                 "settings_campaigns"):
        with django_assert_max_num_queries(14):
            assert admin.get(reverse(f"staff:{name}")).status_code == 200


# --- general ---------------------------------------------------------------------------------

def _general(council, **changes) -> dict:
    data = {"name": council.name, "languages": council.languages, "default_language": council.default_language,
            "minimum_age": council.minimum_age, "panel_term_years": council.panel_term_years,
            "contact_limit_count": council.contact_limit_count, "contact_limit_days": council.contact_limit_days,
            "contact_email": council.contact_email, "from_email": council.from_email, "domain": council.domain or ""}
    data.update(changes)
    return data


def test_general_settings_save_and_audit(council, admin):
    response = admin.post(reverse("staff:settings_general"),
                          _general(council, name="Valby Lokaludvalg (panel)", minimum_age=18,
                                   contact_limit_count=3, contact_limit_days=60, languages=["da", "en"]))
    assert response.status_code == 302
    council.refresh_from_db()
    assert (council.name, council.minimum_age, council.contact_limit_count, council.contact_limit_days,
            council.languages) == ("Valby Lokaludvalg (panel)", 18, 3, 60, ["da", "en"])
    event = AuditEvent.objects.get(council=council, action="council.settings_update")
    assert event.detail["minimum_age"] == {"from": 15, "to": 18}
    # The same submit again changes nothing and logs nothing.
    admin.post(reverse("staff:settings_general"), _general(council))
    assert _events(council, "council.settings_update") == 1


def test_raising_the_minimum_age_moves_the_youngest_age_band(council, admin):
    from civicpanel.panel.population import population_update_question

    question = council.profile_questions.get(key="birth_year")
    counts = {o.pk: 100 for o in question.options.all()}
    population_update_question(council=council, actor=None, question=question, counts=counts)
    response = admin.post(reverse("staff:settings_general"), _general(council, minimum_age=18), follow=True)
    assert "The youngest age band now starts at the new minimum age." in response.content.decode()
    youngest = question.options.order_by("min_age").first()
    assert (youngest.code, youngest.min_age, youngest.max_age, youngest.label["en"]) == ("18-24", 18, 24, "18–24")
    assert not PopulationFigure.objects.filter(option=youngest).exists()
    assert PopulationFigure.objects.filter(option__question=question).count() == len(counts) - 1
    assert _events(council, "profile_question.age_bands_follow") == 1
    council.refresh_from_db()
    admin.post(reverse("staff:settings_general"), _general(council, minimum_age=15))
    youngest.refresh_from_db()
    assert (youngest.code, youngest.min_age) == ("15-24", 15)


def test_general_settings_refuse_bad_languages_and_age(council, admin):
    url = reverse("staff:settings_general")
    page = admin.post(url, _general(council, languages=[], minimum_age=16)).content.decode()
    assert 'id="id_languages_error"' in page or "This field is required" in page
    assert "Select a valid choice" in page
    page = admin.post(url, _general(council, languages=["da"], default_language="en")).content.decode()
    assert "The default language must be one of the chosen languages." in page
    council.refresh_from_db()
    assert council.languages == ["da", "nb", "en"]
    assert _events(council, "council.settings_update") == 0


def test_logo_upload_checks_type_and_size(council, admin):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), "navy").save(buffer, format="PNG")
    png = SimpleUploadedFile("logo.png", buffer.getvalue(), content_type="image/png")
    response = admin.post(reverse("staff:settings_general"), {**_general(council), "logo": png})
    assert response.status_code == 302
    council.refresh_from_db()
    assert council.logo.name.startswith("logos/")
    text = SimpleUploadedFile("logo.png", b"not an image", content_type="image/png")
    page = admin.post(reverse("staff:settings_general"), {**_general(council), "logo": text}).content.decode()
    assert "The logo must be an SVG drawing or a PNG" in page
    buffer = io.BytesIO()
    Image.effect_noise((1200, 1200), 100).convert("RGB").save(buffer, format="BMP")
    big = SimpleUploadedFile("logo.bmp", buffer.getvalue(), content_type="image/bmp")
    page = admin.post(reverse("staff:settings_general"), {**_general(council), "logo": big}).content.decode()
    assert "The logo is too large" in page


# --- districts -------------------------------------------------------------------------------

def _district_option(district) -> ProfileOption:
    return ProfileOption.objects.get(district=district)


def test_add_rename_and_reorder_districts_keep_the_profile_option_in_sync(council, admin):
    url = reverse("staff:settings_districts")
    assert admin.post(url, {"name": "Folehaven", "postal_codes": "2500, 2450 2450"}).status_code == 302
    folehaven = District.objects.get(council=council, name="Folehaven")
    assert folehaven.postal_codes == ["2450", "2500"]
    option = _district_option(folehaven)
    assert option.question.key == "district" and option.label["da"] == "Folehaven"

    admin.post(reverse("staff:settings_district", args=[folehaven.pk]), {"name": "Folehaven Syd", "postal_codes": "2450"})
    option.refresh_from_db()
    assert option.label == {"da": "Folehaven Syd", "nb": "Folehaven Syd", "en": "Folehaven Syd"}

    admin.post(reverse("staff:settings_district_move", args=[folehaven.pk]), {"direction": "up"})
    names = list(District.objects.filter(council=council).values_list("name", flat=True))
    assert names == ["Vigerslev", "Folehaven Syd", "Gammel Valby"]
    options = list(option.question.options.values_list("label__en", flat=True))
    assert options == names
    for action in ("district.add", "district.update", "district.move"):
        assert _events(council, action) == 1


def test_postal_codes_must_have_four_digits(council, admin):
    page = admin.post(reverse("staff:settings_districts"), {"name": "Ny", "postal_codes": "2500, 25000, abcd"})
    assert page.status_code == 200
    assert "not valid: 25000, abcd" in page.content.decode()
    assert not District.objects.filter(council=council, name="Ny").exists()


def test_duplicate_district_name_is_refused(council, admin):
    page = admin.post(reverse("staff:settings_districts"), {"name": "vigerslev", "postal_codes": ""})
    assert "There is already a district with this name." in page.content.decode()
    assert District.objects.filter(council=council).count() == 2


def test_district_with_members_cannot_be_deleted(council, admin):
    district = council.districts.get(name="Vigerslev")
    MemberFactory(council=council, district=district)
    page = admin.post(reverse("staff:settings_district", args=[district.pk]), {"delete": "1"}).content.decode()
    assert "Vigerslev cannot be deleted: 1 member(s) belong to it." in page
    assert District.objects.filter(pk=district.pk).exists()
    assert _events(council, "district.delete") == 0


def test_empty_district_is_deleted_with_its_option(council, admin):
    district = council.districts.get(name="Vigerslev")
    option_pk = _district_option(district).pk
    response = admin.post(reverse("staff:settings_district", args=[district.pk]), {"delete": "1"})
    assert response.status_code == 302
    assert not District.objects.filter(pk=district.pk).exists()
    assert not ProfileOption.objects.filter(pk=option_pk).exists()
    assert _events(council, "district.delete") == 1


# --- profile questions -----------------------------------------------------------------------

def test_edit_question_label_required_and_active(council, admin):
    question = council.profile_questions.get(key="housing")
    admin.post(reverse("staff:settings_question", args=[question.pk]),
               {"save": "1", "label_da": "Bolig", "label_nb": "Bolig", "label_en": "Home", "active": "on"})
    question.refresh_from_db()
    assert question.label == {"da": "Bolig", "nb": "Bolig", "en": "Home"}
    assert question.required is False and question.active is True
    assert _events(council, "profile_question.update") == 1


def test_reorder_questions_with_buttons(council, admin):
    keys = list(council.profile_questions.values_list("key", flat=True))
    gender = council.profile_questions.get(key="gender")
    admin.post(reverse("staff:settings_question_move", args=[gender.pk]), {"direction": "down"})
    assert list(council.profile_questions.values_list("key", flat=True)) == [keys[1], keys[0], *keys[2:]]
    admin.post(reverse("staff:settings_question_move", args=[gender.pk]), {"direction": "up"})
    admin.post(reverse("staff:settings_question_move", args=[gender.pk]), {"direction": "up"})  # already first
    assert list(council.profile_questions.values_list("key", flat=True)) == keys
    assert _events(council, "profile_question.move") == 2
    page = admin.get(reverse("staff:settings_profile")).content.decode()
    assert 'name="direction" value="down"' in page and "Move down" in page


def test_add_custom_question_with_options_then_activate(council, admin):
    response = admin.post(reverse("staff:settings_profile_add"), {
        "key": "transport", "kind": "multi", "label_da": "Transport", "label_nb": "Transport", "label_en": "Transport"})
    question = ProfileQuestion.objects.get(council=council, key="transport")
    assert response["Location"] == reverse("staff:settings_question", args=[question.pk])
    assert question.kind == "multi" and question.active is False
    url = reverse("staff:settings_question", args=[question.pk])
    page = admin.post(url, {"save": "1", "label_da": "Transport", "label_nb": "Transport", "label_en": "Transport",
                            "active": "on"}).content.decode()
    assert "Add at least two options" in page
    for code, label in (("bike", "Cykel"), ("bus", "Bus")):
        admin.post(url, {"add_option": "1", "new-code": code, "new-label_da": label, "new-label_nb": label,
                         "new-label_en": label})
    page = admin.post(url, {"add_option": "1", "new-code": "bus", "new-label_da": "x", "new-label_nb": "x",
                            "new-label_en": "x"}).content.decode()
    assert "already has an option with the code bus" in page
    admin.post(url, {"save": "1", "label_da": "Transport", "label_nb": "Transport", "label_en": "Transport", "active": "on"})
    question.refresh_from_db()
    assert question.active and list(question.options.values_list("code", flat=True)) == ["bike", "bus"]
    assert _events(council, "profile_question.add") == 1 and _events(council, "profile_option.add") == 2
    page = admin.post(reverse("staff:settings_profile_add"), {
        "key": "transport", "kind": "single", "label_da": "T", "label_nb": "T", "label_en": "T"}).content.decode()
    assert "There is already a question with the key transport." in page


def test_option_chosen_by_members_cannot_be_removed(council, admin):
    question = council.profile_questions.get(key="housing")
    owner = question.options.get(code="owner")
    for _ in range(2):
        MemberAnswer.objects.create(member=MemberFactory(council=council), question=question, option=owner)
    url = reverse("staff:settings_option", args=[owner.pk])
    page = admin.get(url).content.decode()
    assert "This option cannot be removed: 2 members chose it." in page
    page = admin.post(url, {"remove": "1"}).content.decode()
    assert "cannot be removed: 2 member(s) chose it" in page
    assert ProfileOption.objects.filter(pk=owner.pk).exists()
    other = question.options.get(code="other")
    assert admin.post(reverse("staff:settings_option", args=[other.pk]), {"remove": "1"}).status_code == 302
    assert not ProfileOption.objects.filter(pk=other.pk).exists()
    assert _events(council, "profile_option.remove") == 1


def test_edit_option_label_and_order(council, admin):
    question = council.profile_questions.get(key="housing")
    rental = question.options.get(code="private_rental")
    admin.post(reverse("staff:settings_option", args=[rental.pk]),
               {"save": "1", "label_da": "Lejebolig", "label_nb": "Leie", "label_en": "Rented"})
    rental.refresh_from_db()
    assert rental.label["en"] == "Rented"
    admin.post(reverse("staff:settings_option_move", args=[rental.pk]), {"direction": "up"})
    assert list(question.options.values_list("code", flat=True))[:3] == ["owner", "private_rental", "cooperative"]
    assert _events(council, "profile_option.update") == 1 and _events(council, "profile_option.move") == 1


def test_district_and_age_band_options_are_not_removable_here(council, admin):
    district_option = council.profile_questions.get(key="district").options.first()
    admin.post(reverse("staff:settings_option", args=[district_option.pk]), {"remove": "1"})
    band = council.profile_questions.get(key="birth_year").options.first()
    admin.post(reverse("staff:settings_option", args=[band.pk]), {"remove": "1"})
    assert ProfileOption.objects.filter(pk__in=[district_option.pk, band.pk]).count() == 2


# --- consent ---------------------------------------------------------------------------------

def test_publishing_consent_creates_a_new_version_and_never_edits_the_old(council, admin):
    v1 = ConsentVersion.objects.get(council=council, version=1)
    old_text = dict(v1.text)
    url = reverse("staff:settings_consent")
    new = {"text_da": "Ny tekst", "text_nb": "Ny tekst nb", "text_en": "New text"}
    assert admin.post(url, new).status_code == 302
    v1.refresh_from_db()
    assert v1.text == old_text
    v2 = ConsentVersion.objects.get(council=council, version=2)
    assert v2.text == {"da": "Ny tekst", "nb": "Ny tekst nb", "en": "New text"} and v2.created_by == admin.user
    # A double submit of the same text publishes nothing more.
    page = admin.post(url, new).content.decode()
    assert "same as the current version" in page
    admin.post(url, {**new, "text_en": "Newer text"})
    assert list(ConsentVersion.objects.filter(council=council).values_list("version", flat=True)) == [3, 2, 1]
    assert _events(council, "consent.publish") == 2
    page = admin.get(url).content.decode()
    assert "Current version: 3" in page and "Newer text" in page


def test_consent_needs_every_language(council, admin):
    page = admin.post(reverse("staff:settings_consent"), {"text_da": "Kun dansk"}).content.decode()
    assert "This field is required" in page
    assert ConsentVersion.objects.filter(council=council).count() == 1


# --- population figures ----------------------------------------------------------------------

def test_population_upload_previews_then_saves_on_confirm(council, admin):
    from django.core.files.uploadedfile import SimpleUploadedFile

    csv = b"question;category;count\ngender;woman;510\ngender;man;490\ngender;other;0\n"
    page = admin.post(reverse("staff:settings_population_upload"),
                      {"file": SimpleUploadedFile("f.csv", csv), "source": "Statistics Denmark FOLK1A"})
    assert page.status_code == 200 and "not saved yet" in page.content.decode()
    assert "51.0\xa0%" in page.content.decode()
    assert not PopulationFigure.objects.exists()
    confirm = {"confirm": "1", "data": page.context["confirm_form"].initial["data"],
               "source": "Statistics Denmark FOLK1A"}
    assert admin.post(reverse("staff:settings_population_upload"), confirm).status_code == 302
    assert PopulationFigure.objects.filter(council=council).count() == 3
    assert set(PopulationFigure.objects.values_list("source", flat=True)) == {"Statistics Denmark FOLK1A"}
    page = admin.get(reverse("staff:settings_population")).content.decode()
    assert "51.0\xa0%" in page and "49.0\xa0%" in page


def test_population_upload_with_errors_lists_them_and_saves_nothing(council, admin):
    from django.core.files.uploadedfile import SimpleUploadedFile

    csv = b"question;category;count\ngender;woman;510\ngender;mandd;x\n"
    page = admin.post(reverse("staff:settings_population_upload"), {"file": SimpleUploadedFile("f.csv", csv)})
    assert page.status_code == 422
    text = page.content.decode()
    assert "Line 3" in text and "unknown category" in text and "Nothing was saved" in text
    assert not PopulationFigure.objects.exists()


def test_population_by_hand(council, admin):
    question = council.profile_questions.get(key="gender")
    data = {f"option_{o.pk}": n for o, n in zip(question.options.all(), [5, 7, 0], strict=True)}
    url = reverse("staff:settings_population_question", args=[question.pk])
    assert admin.post(url, {**data, "source": "count"}).status_code == 302
    assert sorted(PopulationFigure.objects.values_list("count", flat=True)) == [0, 5, 7]
    page = admin.post(url, {**data, f"option_{question.options.first().pk}": -1}).content.decode()
    assert "greater than or equal to 0" in page
    interests = council.profile_questions.get(key="interests")
    assert admin.get(reverse("staff:settings_population_question", args=[interests.pk])).status_code == 404


# --- campaigns -------------------------------------------------------------------------------

def test_campaigns_show_link_and_recruits(council, admin):
    url = reverse("staff:settings_campaigns")
    assert admin.post(url, {"name": "Posters at the station", "code": "Poster-Station", "channel": "poster"}).status_code == 302
    campaign = Campaign.objects.get(council=council, code="poster-station")
    MemberFactory(council=council, campaign=campaign)
    page = admin.get(url).content.decode()
    assert "://valby.localhost" in page and "/join/?c=poster-station</code>" in page
    assert '<td class="num">1</td>' in page
    page = admin.post(url, {"name": "Again", "code": "poster-station", "channel": "poster"}).content.decode()
    assert "There is already a campaign with the code poster-station." in page
    assert Campaign.objects.filter(council=council).count() == 1
    assert _events(council, "campaign.add") == 1


def test_a_district_page_opens_without_errors(council, staff_client):
    from civicpanel.tenancy.models import District

    district = District.objects.filter(council=council).first()
    html = staff_client("admin").get(reverse("staff:settings_district", args=[district.pk])).content.decode()
    assert "error-summary" not in html and f'value="{district.name}"' in html
