"""Staff pages: message texts (edit, preview, reset) and the status of mailings."""

from __future__ import annotations

import pytest
from django.urls import reverse

from civicpanel.audit.models import AuditEvent
from civicpanel.outreach.models import MessageTemplate
from civicpanel.outreach.sending import send_mailing_now
from civicpanel.outreach.services import mailing_create
from tests.outreach.factories import members

pytestmark = pytest.mark.django_db

EDIT = reverse("staff:outreach_message_edit", args=["test_invitation", "en"])


@pytest.fixture
def staff(staff_client):
    """staff_client whose pages come in English, the language these assertions read."""

    def make(role: str = "admin", **kwargs):
        client = staff_client(role, **kwargs)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return make


@pytest.mark.parametrize(("role", "status"), [("admin", 200), ("manager", 200), ("analyst", 403)])
def test_role_matrix(role, status, council, staff):
    client = staff(role)
    mailing = mailing_create(council=council, actor=None, message_type="test_invitation",
                             member_ids=[m.pk for m in members(council, 1)])
    for url in (reverse("staff:outreach_messages"), EDIT, reverse("staff:outreach_mailings"),
                reverse("staff:outreach_mailing", args=[mailing.pk])):
        assert client.get(url).status_code == status, url
    response = client.post(reverse("staff:outreach_mailing_cancel", args=[mailing.pk]))
    assert response.status_code == (302 if status == 200 else 403)


def test_staff_of_another_council_see_nothing_of_ours(council, other_council, staff):
    ours = mailing_create(council=council, actor=None, message_type="test_invitation",
                          member_ids=[m.pk for m in members(council, 1)])
    theirs = staff("admin", council=other_council)
    assert theirs.get(reverse("staff:outreach_mailing", args=[ours.pk])).status_code == 404
    assert theirs.post(reverse("staff:outreach_mailing_cancel", args=[ours.pk])).status_code == 404
    ours.refresh_from_db()
    assert ours.cancelled_at is None
    # A person who is staff elsewhere only, on our host: not even a 403.
    outsider = staff("admin", council=other_council)
    outsider.defaults["HTTP_HOST"] = f"{council.slug}.localhost"
    assert outsider.get(reverse("staff:outreach_messages")).status_code == 404


def test_texts_of_one_council_do_not_reach_another(council, other_council, staff, mailoutbox,
                                                   django_capture_on_commit_callbacks):
    client = staff("manager")
    client.post(EDIT, {"subject": "Valby asks: {{ survey_title }}", "body": "{{ link }}", "save": "1"})
    person = members(other_council, 1, language="en")[0]
    with django_capture_on_commit_callbacks(execute=True):
        mailing_create(council=other_council, actor=None, message_type="test_invitation",
                       member_ids=[person.pk], extra_context={"survey_title": "Bergen"})
    assert mailoutbox[0].subject == "New survey: Bergen"


def test_list_shows_each_type_and_whether_the_text_is_own(council, staff, django_assert_max_num_queries):
    client = staff("manager")
    MessageTemplate.objects.create(council=council, key="test_invitation", language="da", subject="s", body="b")
    with django_assert_max_num_queries(12):
        page = client.get(reverse("staff:outreach_messages")).content.decode()
    assert "Survey invitation (test)" in page or "Invitation til undersøgelse (test)" in page
    assert "test_login" in page
    assert page.count("Own text") + page.count("Egen tekst") >= 1


def test_edit_preview_save_and_reset(council, staff, mailoutbox, django_capture_on_commit_callbacks):
    client = staff("manager")
    page = client.get(EDIT).content.decode()
    assert "New survey: Trafik i Valby" in page  # the default, previewed with sample data
    assert "{{ survey_title }}" in page and "{{ unsubscribe_url }}" in page  # the variables are listed
    assert 'aria-describedby="id_body_helptext"' in page

    preview = client.post(EDIT, {"subject": "Have your say: {{ survey_title }}",
                                 "body": "Hi {{ member_name }}, answer at {{ link }}", "preview": "1"})
    text = preview.content.decode()
    assert "Have your say: Trafik i Valby" in text and "Hi Anne Example, answer at" in text
    assert not MessageTemplate.objects.exists()  # a preview saves nothing

    saved = client.post(EDIT, {"subject": "Have your say: {{ survey_title }}",
                               "body": "Hi {{ member_name }}, answer at {{ link }}", "save": "1"})
    assert saved.status_code == 302
    assert MessageTemplate.objects.get(council=council, key="test_invitation", language="en").subject \
        == "Have your say: {{ survey_title }}"
    assert AuditEvent.objects.filter(action="message_template.update").exists()

    # The e-mail looks like the preview.
    person = members(council, 1, language="en")[0]
    with django_capture_on_commit_callbacks(execute=True):
        mailing_create(council=council, actor=None, message_type="test_invitation", member_ids=[person.pk],
                       extra_context={"survey_title": "Trafik i Valby"})
    assert mailoutbox[0].subject == "Have your say: Trafik i Valby"
    assert mailoutbox[0].body.startswith(f"Hi {person.name}, answer at https://example.test/s/")

    assert client.post(EDIT, {"reset": "1"}).status_code == 302
    assert not MessageTemplate.objects.exists()
    assert AuditEvent.objects.filter(action="message_template.reset").exists()


def test_bad_text_is_refused_with_the_reason_at_the_field(council, staff):
    client = staff("admin")
    response = client.post(EDIT, {"subject": "Hello {{ surname }}", "body": "{% load static %}{{ link }}",
                                  "save": "1"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Unknown variable {{ surname }}" in page
    assert "{% load %} is not allowed" in page
    assert 'aria-invalid="true"' in page
    assert not MessageTemplate.objects.exists()


def test_unknown_type_or_language_is_404(council, staff):
    client = staff("admin")
    assert client.get(reverse("staff:outreach_message_edit", args=["nope", "en"])).status_code == 404
    assert client.get(reverse("staff:outreach_message_edit", args=["test_invitation", "fr"])).status_code == 404


def test_mailing_pages_show_counts_per_state(council, staff, django_assert_max_num_queries):
    client = staff("manager")
    people = members(council, 3)
    people[2].wants_surveys = False
    people[2].save(update_fields=["wants_surveys"])
    for _ in range(3):
        mailing = mailing_create(council=council, actor=client.user, message_type="test_invitation",
                                 member_ids=[m.pk for m in people], reference="survey:7:invite")
    send_mailing_now(mailing.pk)
    with django_assert_max_num_queries(12):
        listing = client.get(reverse("staff:outreach_mailings")).content.decode()
    assert listing.count("survey:7:invite") == 3
    page = client.get(reverse("staff:outreach_mailing", args=[mailing.pk])).content.decode()
    assert "3 e-mails" in page
    assert '<td class="num">2</td>' in page  # sent
    assert "Unsubscribed from this kind of e-mail" in page


def test_cancel_from_the_status_page(council, staff, mailoutbox):
    client = staff("manager")
    mailing = mailing_create(council=council, actor=client.user, message_type="test_invitation",
                             member_ids=[m.pk for m in members(council, 2)])
    response = client.post(reverse("staff:outreach_mailing_cancel", args=[mailing.pk]), follow=True)
    assert "Cancelled" in response.content.decode() or "cancelled" in response.content.decode()
    send_mailing_now(mailing.pk)
    assert mailoutbox == []


def test_mailings_come_fifty_to_a_page_newest_first(council, staff):
    client = staff("manager")
    people = members(council, 1)
    for number in range(55):
        mailing_create(council=council, actor=client.user, message_type="test_invitation",
                       member_ids=[m.pk for m in people], reference=f"wave-{number:02d}")
    first = client.get(reverse("staff:outreach_mailings")).content.decode()
    assert first.count("wave-") == 50 and "wave-54" in first and "wave-04" not in first
    assert "page 1 of 2" in first and 'aria-label="Page 2"' in first
    second = client.get(reverse("staff:outreach_mailings") + "?page=2").content.decode()
    assert second.count("wave-") == 5 and "wave-00" in second and "wave-54" not in second
