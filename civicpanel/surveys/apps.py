from django.apps import AppConfig

INVITATION_TEXTS = {
    "subject": {
        "da": "Din mening om: {{ survey_title }}",
        "nb": "Din mening om: {{ survey_title }}",
        "en": "Your view on: {{ survey_title }}",
    },
    "body": {
        "da": (
            "Hej {{ member_name }}\n\n"
            "Som medlem af borgerpanelet i {{ council_name }} inviteres du til at svare på en kort "
            "undersøgelse: {{ survey_title }}.\n\n"
            "Svar her (linket er personligt, del det ikke):\n{{ link }}\n\n"
            "{% if closes_at %}Du kan svare indtil {{ closes_at }}. {% endif %}"
            "Du kan holde pause og fortsætte senere med det samme link.\n\n"
            "Venlig hilsen\n{{ council_name }}"
        ),
        "nb": (
            "Hei {{ member_name }}\n\n"
            "Som medlem av innbyggerpanelet i {{ council_name }} inviteres du til å svare på en kort "
            "undersøkelse: {{ survey_title }}.\n\n"
            "Svar her (lenken er personlig, ikke del den):\n{{ link }}\n\n"
            "{% if closes_at %}Du kan svare til og med {{ closes_at }}. {% endif %}"
            "Du kan ta en pause og fortsette senere med den samme lenken.\n\n"
            "Vennlig hilsen\n{{ council_name }}"
        ),
        "en": (
            "Dear {{ member_name }}\n\n"
            "As a member of the {{ council_name }} citizen panel you are invited to answer a short "
            "survey: {{ survey_title }}.\n\n"
            "Answer here (the link is personal, please do not share it):\n{{ link }}\n\n"
            "{% if closes_at %}You can answer until {{ closes_at }}. {% endif %}"
            "You can take a break and continue later with the same link.\n\n"
            "Best regards\n{{ council_name }}"
        ),
    },
}

REMINDER_TEXTS = {
    "subject": {
        "da": "Påmindelse: {{ survey_title }}",
        "nb": "Påminnelse: {{ survey_title }}",
        "en": "Reminder: {{ survey_title }}",
    },
    "body": {
        "da": (
            "Hej {{ member_name }}\n\n"
            "Vi mangler stadig dit svar på {{ survey_title }}. Hvert svar tæller.\n\n"
            "Svar her (du fortsætter, hvor du slap):\n{{ link }}\n\n"
            "{% if closes_at %}Undersøgelsen lukker {{ closes_at }}.\n\n{% endif %}"
            "Venlig hilsen\n{{ council_name }}"
        ),
        "nb": (
            "Hei {{ member_name }}\n\n"
            "Vi mangler fortsatt svaret ditt på {{ survey_title }}. Hvert svar teller.\n\n"
            "Svar her (du fortsetter der du slapp):\n{{ link }}\n\n"
            "{% if closes_at %}Undersøkelsen stenger {{ closes_at }}.\n\n{% endif %}"
            "Vennlig hilsen\n{{ council_name }}"
        ),
        "en": (
            "Dear {{ member_name }}\n\n"
            "We are still missing your answer to {{ survey_title }}. Every answer counts.\n\n"
            "Answer here (you continue where you left off):\n{{ link }}\n\n"
            "{% if closes_at %}The survey closes on {{ closes_at }}.\n\n{% endif %}"
            "Best regards\n{{ council_name }}"
        ),
    },
}

VARIABLES = ["link", "survey_title", "closes_at"]
# Preview values on the message text page, which is not about any one survey: the title is shown
# as its placeholder, never another survey's real title. The send and remind confirmation pages
# show the e-mail as its first recipient will really get it (invitations.invitation_preview).
SAMPLE = {"link": "https://example.org/s/EXAMPLE-PERSONAL-LINK/", "closes_at": "31.12.2026"}


class SurveysConfig(AppConfig):
    name = "civicpanel.surveys"
    label = "surveys"

    def ready(self) -> None:
        from civicpanel.members.erasure import register_eraser, register_member_data_provider
        from civicpanel.members.history import register_history_provider
        from civicpanel.outreach.registry import register_message_type
        from civicpanel.surveys.member_data import (
            survey_member_data,
            survey_member_erase,
            survey_member_history,
        )

        register_member_data_provider(survey_member_data)
        register_eraser(survey_member_erase)
        register_history_provider(survey_member_history)
        from civicpanel.surveys.council_data import export_council_surveys
        from civicpanel.tenancy.removal import register_council_exporter

        register_council_exporter("surveys", export_council_surveys, order=50)
        from civicpanel.surveys.invitations import message_context, message_prefetch

        register_message_type("survey_invitation", subject=INVITATION_TEXTS["subject"], body=INVITATION_TEXTS["body"],
                              variables=VARIABLES, context_provider=message_context, prefetch=message_prefetch,
                              preference="wants_surveys",
                              label={"da": "Invitation til undersøgelse", "nb": "Invitasjon til undersøkelse",
                                     "en": "Survey invitation"}, sample=SAMPLE)
        register_message_type("survey_reminder", subject=REMINDER_TEXTS["subject"], body=REMINDER_TEXTS["body"],
                              variables=VARIABLES, context_provider=message_context, prefetch=message_prefetch,
                              preference="wants_surveys",
                              label={"da": "Påmindelse om undersøgelse", "nb": "Påminnelse om undersøkelse",
                                     "en": "Survey reminder"}, sample=SAMPLE)
