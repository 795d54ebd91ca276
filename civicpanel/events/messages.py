"""The e-mails of events, registered with outreach in EventsConfig.ready(), and the context
provider that rebuilds each participant's personal link at send time."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import get_language

from civicpanel.common.models import translated
from civicpanel.events.links import participant_link
from civicpanel.events.models import Participant

VARIABLES = ["link", "event_title", "sessions", "deadline"]
SAMPLE = {"link": "https://example.org/events/p/EXAMPLE-PERSONAL-LINK/", "event_title": "Brugertest af Min side",
          "sessions": "12.01.2027 17:00\n19.01.2027 17:00", "deadline": "05.01.2027"}

CALL = {
    "label": {"da": "Opfordring til at melde sig til et arrangement", "nb": "Oppfordring til å melde seg på et arrangement",
              "en": "Call for volunteers to an event"},
    "subject": {
        "da": "Vil du være med? {{ event_title }}",
        "nb": "Vil du være med? {{ event_title }}",
        "en": "Would you like to take part? {{ event_title }}",
    },
    "body": {
        "da": (
            "Hej {{ member_name }}\n\n"
            "{{ council_name }} søger deltagere fra borgerpanelet til: {{ event_title }}.\n\n"
            "Tidspunkter:\n{{ sessions }}\n\n"
            "Meld dig her, og sig hvilke tidspunkter der passer dig (linket er personligt, del det ikke):\n"
            "{{ link }}\n\n"
            "Du kan melde dig indtil {{ deadline }}. Hvis flere melder sig, end der er pladser, trækkes der "
            "lod, så deltagerne tilsammen ligner kommunens borgere. Du kan selv efterprøve lodtrækningen.\n\n"
            "Venlig hilsen\n{{ council_name }}"
        ),
        "nb": (
            "Hei {{ member_name }}\n\n"
            "{{ council_name }} søker deltakere fra innbyggerpanelet til: {{ event_title }}.\n\n"
            "Tidspunkter:\n{{ sessions }}\n\n"
            "Meld deg på her, og si hvilke tidspunkter som passer deg (lenken er personlig, ikke del den):\n"
            "{{ link }}\n\n"
            "Du kan melde deg på til og med {{ deadline }}. Melder flere seg enn det er plasser, trekkes det "
            "lodd slik at deltakerne til sammen ligner innbyggerne i kommunen. Du kan selv etterprøve trekningen.\n\n"
            "Vennlig hilsen\n{{ council_name }}"
        ),
        "en": (
            "Dear {{ member_name }}\n\n"
            "{{ council_name }} is looking for panel members to take part in: {{ event_title }}.\n\n"
            "Times:\n{{ sessions }}\n\n"
            "Volunteer here and tell us which times suit you (the link is personal, please do not share it):\n"
            "{{ link }}\n\n"
            "You can volunteer until {{ deadline }}. If more volunteer than there are seats, the seats are drawn "
            "by lot so that together the participants resemble the residents. You can check the draw yourself.\n\n"
            "Best regards\n{{ council_name }}"
        ),
    },
}


def format_when(moment) -> str:
    return timezone.localtime(moment).strftime("%d.%m.%Y %H:%M")


def session_lines(event) -> str:
    lines = []
    for session in event.sessions.filter(cancelled_at__isnull=True):
        where = session.place or session.online_link
        lines.append(f"- {format_when(session.starts_at)} ({session.duration_minutes} min), {where}")
    return "\n".join(lines)


def message_context(delivery) -> dict:
    """The outreach context_provider for every event e-mail: reference_id is a Participant id;
    the council and member must agree with the delivery too."""
    participant = Participant.objects.select_related("event", "event__council").get(
        pk=delivery.reference_id, event__council_id=delivery.mailing.council_id, member_id=delivery.member_id)
    event = participant.event
    return {
        "link": participant_link(participant),
        "event_title": translated(event.title, get_language()),
        "sessions": session_lines(event),
        "deadline": format_when(event.volunteer_deadline),
    }


MESSAGE_TYPES = {"event_call": CALL}


def message_context_for_preview(council, event, language: str) -> dict:
    """The call e-mail's values for the confirmation page: the real event, an example member and link."""
    from django.utils.translation import gettext as _
    from django.utils.translation import override

    from civicpanel.common.mail import absolute_url

    with override(language):
        return {
            "council_name": council.name, "member_name": _("Anne Example"),
            "unsubscribe_url": absolute_url(council, "/o/unsubscribe/EXAMPLE/"),
            "link": absolute_url(council, "/events/p/EXAMPLE-PERSONAL-LINK/"),
            "event_title": translated(event.title, language), "sessions": session_lines(event),
            "deadline": format_when(event.volunteer_deadline),
        }
