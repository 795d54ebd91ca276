"""The message types the outreach tests send (also registered in the test worker process)."""

from civicpanel.outreach import registry


def provide_link(delivery) -> dict:
    # What a surveys app does: rebuild the personal link at send time from its own row.
    return {"link": f"https://example.test/s/{delivery.reference_id}/"}


def register_test_types() -> None:
    registry.register_message_type(
        "test_invitation",
        subject={"da": "Ny undersøgelse: {{ survey_title }}", "nb": "Ny undersøkelse: {{ survey_title }}",
                 "en": "New survey: {{ survey_title }}"},
        body={"da": "Kære {{ member_name }}\n\nSvar her: {{ link }}\n\nAfmeld: {{ unsubscribe_url }}\n{{ council_name }}",
              "nb": "Hei {{ member_name }}\n\nSvar her: {{ link }}\n\nMeld av: {{ unsubscribe_url }}\n{{ council_name }}",
              "en": "Dear {{ member_name }}\n\nAnswer here: {{ link }}\n\nUnsubscribe: {{ unsubscribe_url }}\n{{ council_name }}"},
        variables=["survey_title", "link"],
        context_provider=provide_link,
        preference="wants_surveys",
        label={"en": "Survey invitation (test)", "da": "Invitation til undersøgelse (test)"},
        sample={"survey_title": "Trafik i Valby"},
    )
    registry.register_message_type(
        "test_login", subject={"en": "Your login link"}, body={"en": "Log in: {{ link }}"},
        variables=["link"], context_provider=provide_link, preference=None,
    )
