"""Council settings at the tenancy layer: postal codes, districts by postal code, and the general
settings service (changes only what changed, and logs it)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from civicpanel.audit.models import AuditEvent
from civicpanel.tenancy.forms import CouncilGeneralForm, parse_postal_codes
from civicpanel.tenancy.selectors import council_districts, districts_for_postal_code
from civicpanel.tenancy.services import council_settings_update


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def test_postal_codes_are_four_digits_deduplicated_and_sorted():
    assert parse_postal_codes("2500, 2450;2450\n0150") == ["0150", "2450", "2500"]
    assert parse_postal_codes("") == []
    with pytest.raises(ValidationError) as caught:
        parse_postal_codes("2500 250 25000 DK-2500")
    assert "250, 25000, DK-2500" in caught.value.messages[0]


@pytest.mark.django_db
def test_a_postal_code_may_belong_to_several_districts(council, other_council):
    names = [d.name for d in districts_for_postal_code(council=council, postal_code="2500")]
    assert names == ["Vigerslev", "Gammel Valby"]
    assert [d.name for d in districts_for_postal_code(council=council, postal_code="2450")] == ["Gammel Valby"]
    assert districts_for_postal_code(council=council, postal_code="9999") == []
    assert all(d.council_id == council.pk for d in council_districts(council=council))


@pytest.mark.django_db
def test_general_form_rules(council):
    def form(**changes):
        data = {"name": "Valby", "languages": ["da", "en"], "default_language": "da", "minimum_age": 15,
                "panel_term_years": 3, "contact_limit_count": 2, "contact_limit_days": 30,
                "contact_email": "", "from_email": "", "domain": ""}
        data.update(changes)
        return CouncilGeneralForm(data, instance=council)

    assert form().is_valid()
    assert "languages" in form(languages=[]).errors
    assert "languages" in form(languages=["sv"]).errors
    assert "default_language" in form(default_language="nb").errors
    assert "minimum_age" in form(minimum_age=16).errors
    assert "contact_limit_count" in form(contact_limit_count=0).errors
    assert "contact_limit_days" in form(contact_limit_days=0).errors
    assert "domain" in form(domain="https://panel.example.dk").errors
    assert form(domain="Panel.Example.DK").is_valid()


@pytest.mark.django_db
def test_settings_update_changes_only_what_changed(council, other_council):
    changed = council_settings_update(council=council, actor=None,
                                      changes={"name": "Valby", "contact_limit_count": 2, "logo": None})
    assert changed == ["name"]
    council.refresh_from_db()
    assert council.name == "Valby"
    event = AuditEvent.objects.get(council=council, action="council.settings_update")
    assert event.detail == {"name": {"from": "Valby Lokaludvalg", "to": "Valby"}}
    assert council_settings_update(council=council, actor=None, changes={"name": "Valby"}) == []
    assert AuditEvent.objects.filter(action="council.settings_update").count() == 1
    other_council.refresh_from_db()
    assert other_council.name == "Årstad bydel"
