"""The e-mails of events, registered with outreach in EventsConfig.ready(), and the context
provider that rebuilds each participant's personal link at send time."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import get_language

from civicpanel.common.models import translated
from civicpanel.events.links import participant_link
from civicpanel.events.models import Participant, Placement, Session

VARIABLES = ["link", "event_title", "sessions", "deadline", "session", "reply_by"]
SAMPLE = {"link": "https://example.org/events/p/EXAMPLE-PERSONAL-LINK/", "event_title": "Brugertest af Min side",
          "sessions": "- 12.01.2027 17:00 (90 min), Rådhuset\n- 19.01.2027 17:00 (90 min), Rådhuset",
          "deadline": "05.01.2027 12:00", "session": "12.01.2027 17:00 (90 min), Rådhuset",
          "reply_by": "10.01.2027 12:00"}

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


def session_line(session) -> str:
    where = session.place or session.online_link
    return f"{format_when(session.starts_at)} ({session.duration_minutes} min), {where}"


def session_lines(event, sessions=None) -> str:
    """The event's sessions that are not cancelled, one line each (`sessions`: those, already read)."""
    if sessions is None:
        sessions = event.sessions.filter(cancelled_at__isnull=True)
    return "\n".join(f"- {session_line(session)}" for session in sessions)


def message_prefetch(deliveries) -> dict[int, Participant]:
    """The outreach prefetch: a batch's participants with their event, the event's sessions and
    the session the mailing is about with each participant's seat in it, in four queries for
    the batch instead of four per e-mail. message_context reads them from the participant."""
    if not deliveries:
        return {}
    mailing = deliveries[0].mailing
    participants = Participant.objects.select_related("event", "event__council").in_bulk(
        [delivery.reference_id for delivery in deliveries if delivery.reference_id is not None])
    events = {participant.event_id: participant.event for participant in participants.values()}
    open_sessions: dict[int, list[Session]] = {event_id: [] for event_id in events}
    for session in Session.objects.filter(event_id__in=events, cancelled_at__isnull=True):
        open_sessions[session.event_id].append(session)
    session_id = (mailing.extra_context or {}).get("session")
    session = Session.objects.filter(pk=session_id, event_id__in=events).first() if session_id else None
    seats = {placement.participant_id: placement for placement in
             Placement.objects.filter(session=session, participant_id__in=participants)} if session else {}
    found = {}
    for delivery in deliveries:
        participant = participants.get(delivery.reference_id)
        # The delivery names the participant; the council and member must agree with it too.
        if participant is None or participant.member_id != delivery.member_id \
                or participant.event.council_id != mailing.council_id:
            continue
        participant.open_sessions = open_sessions[participant.event_id]
        participant.mailing_session = session if session and session.event_id == participant.event_id else None
        participant.mailing_seat = seats.get(participant.pk)
        found[delivery.pk] = participant
    return found


def message_context(delivery) -> dict:
    """The outreach context_provider for every event e-mail: reference_id is a Participant id;
    the council and member must agree with the delivery too."""
    participant = getattr(delivery, "prefetched", None)
    if participant is not None:
        event, session, placement = participant.event, participant.mailing_session, participant.mailing_seat
        sessions = participant.open_sessions
    else:
        participant = Participant.objects.select_related("event", "event__council").get(
            pk=delivery.reference_id, event__council_id=delivery.mailing.council_id, member_id=delivery.member_id)
        event = participant.event
        # The session the e-mail is about (a seat's invitation, reminder or change), from the wave.
        session_id = (delivery.mailing.extra_context or {}).get("session")
        session = event.sessions.filter(pk=session_id).first() if session_id else None
        placement = participant.placements.filter(session=session).first() if session else None
        sessions = None
    return {
        "link": participant_link(participant),
        "event_title": translated(event.title, get_language()),
        "sessions": session_lines(event, sessions),
        "deadline": format_when(event.volunteer_deadline),
        "session": session_line(session) if session else "",
        "reply_by": format_when(placement.reply_by) if placement and placement.reply_by else "",
    }


def session_calendar(delivery) -> list:
    """The outreach attachments provider of the reminder and change e-mails: the session as a
    calendar file (.ics), the same file the ticket page offers. It links to the event's public
    page, never the personal link: calendars get synced and shared."""
    from django.urls import reverse

    from civicpanel.common.mail import absolute_url
    from civicpanel.events.calendar import calendar_file
    from civicpanel.outreach.attachments import Attachment

    session_id = (delivery.mailing.extra_context or {}).get("session")
    participant = Participant.objects.select_related("event", "event__council").get(
        pk=delivery.reference_id, event__council_id=delivery.mailing.council_id, member_id=delivery.member_id)
    session = participant.event.sessions.filter(pk=session_id).first() if session_id else None
    if session is None:
        return []
    public_url = absolute_url(participant.event.council, reverse("events:public", args=[participant.event_id]))
    content = calendar_file(session, participant_url=public_url).encode("utf-8")
    return [Attachment(filename=f"event-{participant.event_id}.ics", content=content, mimetype="text/calendar")]


def _texts(label, subject, da, nb, en):
    return {"label": label, "subject": subject, "body": {"da": da, "nb": nb, "en": en}}


INVITATION = _texts(
    {"da": "Invitation: du er trukket ud", "nb": "Invitasjon: du er trukket ut", "en": "Invitation: you were drawn"},
    {"da": "Du er trukket ud: {{ event_title }}", "nb": "Du er trukket ut: {{ event_title }}",
     "en": "You were drawn: {{ event_title }}"},
    "Hej {{ member_name }}\n\nDu er trukket ud til en plads ved {{ event_title }}:\n{{ session }}\n\n"
    "Sig ja eller nej her senest {{ reply_by }} (linket er personligt):\n{{ link }}\n\n"
    "Svarer du ikke i tide, går pladsen videre til den næste på reservelisten.\n\nVenlig hilsen\n{{ council_name }}",
    "Hei {{ member_name }}\n\nDu er trukket ut til en plass på {{ event_title }}:\n{{ session }}\n\n"
    "Svar ja eller nei her senest {{ reply_by }} (lenken er personlig):\n{{ link }}\n\n"
    "Svarer du ikke i tide, går plassen videre til den neste på reservelisten.\n\nVennlig hilsen\n{{ council_name }}",
    "Dear {{ member_name }}\n\nYou were drawn for a seat at {{ event_title }}:\n{{ session }}\n\n"
    "Please say yes or no here by {{ reply_by }} (the link is personal):\n{{ link }}\n\n"
    "Without an answer in time, the seat goes to the next on the reserve list.\n\nBest regards\n{{ council_name }}",
)
RESERVE = _texts(
    {"da": "Du er på reservelisten", "nb": "Du er på reservelisten", "en": "You are on the reserve list"},
    {"da": "Du er på reservelisten: {{ event_title }}", "nb": "Du er på reservelisten: {{ event_title }}",
     "en": "You are on the reserve list: {{ event_title }}"},
    "Hej {{ member_name }}\n\nTak fordi du meldte dig til {{ event_title }}. Du blev ikke trukket ud til en plads, "
    "men du er på reservelisten: bliver en plads ledig, kan vi spørge dig.\n\nSe lodtrækningen og din plads på "
    "listen her:\n{{ link }}\n\nVenlig hilsen\n{{ council_name }}",
    "Hei {{ member_name }}\n\nTakk for at du meldte deg til {{ event_title }}. Du ble ikke trukket ut til en plass, "
    "men du står på reservelisten: blir en plass ledig, kan vi spørre deg.\n\nSe trekningen og plassen din på "
    "listen her:\n{{ link }}\n\nVennlig hilsen\n{{ council_name }}",
    "Dear {{ member_name }}\n\nThank you for volunteering for {{ event_title }}. You were not drawn for a seat, "
    "but you are on the reserve list: if a seat becomes free, we may ask you.\n\nSee the draw and your place on "
    "the list here:\n{{ link }}\n\nBest regards\n{{ council_name }}",
)
NOT_DRAWN = _texts(
    {"da": "Ikke trukket ud", "nb": "Ikke trukket ut", "en": "Not drawn"},
    {"da": "Tak fordi du meldte dig: {{ event_title }}", "nb": "Takk for at du meldte deg: {{ event_title }}",
     "en": "Thank you for volunteering: {{ event_title }}"},
    "Hej {{ member_name }}\n\nTak fordi du meldte dig til {{ event_title }}. Der meldte sig flere, end der var "
    "pladser, og denne gang blev du ikke trukket ud. Vi håber, du vil være med en anden gang.\n\n"
    "Du kan selv efterprøve lodtrækningen her:\n{{ link }}\n\nVenlig hilsen\n{{ council_name }}",
    "Hei {{ member_name }}\n\nTakk for at du meldte deg til {{ event_title }}. Det meldte seg flere enn det var "
    "plasser, og denne gangen ble du ikke trukket ut. Vi håper du vil være med en annen gang.\n\n"
    "Du kan etterprøve trekningen selv her:\n{{ link }}\n\nVennlig hilsen\n{{ council_name }}",
    "Dear {{ member_name }}\n\nThank you for volunteering for {{ event_title }}. More people volunteered than "
    "there were seats, and this time you were not drawn. We hope you will take part another time.\n\n"
    "You can check the draw yourself here:\n{{ link }}\n\nBest regards\n{{ council_name }}",
)
REMINDER = _texts(
    {"da": "Påmindelse før en session", "nb": "Påminnelse før en økt", "en": "Reminder before a session"},
    {"da": "Påmindelse: {{ event_title }}", "nb": "Påminnelse: {{ event_title }}", "en": "Reminder: {{ event_title }}"},
    "Hej {{ member_name }}\n\nVi glæder os til at se dig til {{ event_title }}:\n{{ session }}\n\n"
    "Tidspunktet ligger som kalenderfil (.ics) i denne e-mail. Din billet og de praktiske oplysninger finder "
    "du her:\n{{ link }}\n\n"
    "Kan du alligevel ikke komme, så meld fra samme sted, så pladsen kan gå til en anden.\n\n"
    "Venlig hilsen\n{{ council_name }}",
    "Hei {{ member_name }}\n\nVi gleder oss til å se deg på {{ event_title }}:\n{{ session }}\n\n"
    "Tidspunktet ligger som kalenderfil (.ics) i denne e-posten. Billetten din og praktisk informasjon finner "
    "du her:\n{{ link }}\n\n"
    "Kan du likevel ikke komme, meld avbud samme sted, så plassen kan gå til en annen.\n\n"
    "Vennlig hilsen\n{{ council_name }}",
    "Dear {{ member_name }}\n\nWe look forward to seeing you at {{ event_title }}:\n{{ session }}\n\n"
    "The time is attached to this e-mail as a calendar file (.ics). Your ticket and the practical details are "
    "here:\n{{ link }}\n\n"
    "If you cannot come after all, please say so there, so the seat can go to someone else.\n\n"
    "Best regards\n{{ council_name }}",
)
CHANGE = _texts(
    {"da": "Ændring af en session", "nb": "Endring av en økt", "en": "A session has changed"},
    {"da": "Ændring: {{ event_title }}", "nb": "Endring: {{ event_title }}", "en": "Change: {{ event_title }}"},
    "Hej {{ member_name }}\n\nDer er ændret i din session af {{ event_title }}. Sådan er den nu:\n{{ session }}\n\n"
    "Se detaljerne, eller meld fra, her:\n{{ link }}\n\nVenlig hilsen\n{{ council_name }}",
    "Hei {{ member_name }}\n\nDet er gjort endringer i økten din på {{ event_title }}. Slik er den nå:\n{{ session }}\n\n"
    "Se detaljene, eller meld avbud, her:\n{{ link }}\n\nVennlig hilsen\n{{ council_name }}",
    "Dear {{ member_name }}\n\nYour session of {{ event_title }} has changed. This is how it is now:\n{{ session }}\n\n"
    "See the details, or tell us you cannot come, here:\n{{ link }}\n\nBest regards\n{{ council_name }}",
)
CANCEL = _texts(
    {"da": "Aflysning af en session", "nb": "Avlysning av en økt", "en": "A session is cancelled"},
    {"da": "Aflyst: {{ event_title }}", "nb": "Avlyst: {{ event_title }}", "en": "Cancelled: {{ event_title }}"},
    "Hej {{ member_name }}\n\nVi må desværre aflyse denne session af {{ event_title }}:\n{{ session }}\n\n"
    "Vi beklager. Se mere her:\n{{ link }}\n\nVenlig hilsen\n{{ council_name }}",
    "Hei {{ member_name }}\n\nVi må dessverre avlyse denne økten av {{ event_title }}:\n{{ session }}\n\n"
    "Vi beklager. Se mer her:\n{{ link }}\n\nVennlig hilsen\n{{ council_name }}",
    "Dear {{ member_name }}\n\nWe are sorry to cancel this session of {{ event_title }}:\n{{ session }}\n\n"
    "We apologise. More here:\n{{ link }}\n\nBest regards\n{{ council_name }}",
)

SEAT_OFFER = _texts(
    {"da": "En plads er blevet ledig (venteliste)", "nb": "En plass er blitt ledig (venteliste)",
     "en": "A seat has become free (waiting list)"},
    {"da": "En plads er ledig: {{ event_title }}", "nb": "En plass er ledig: {{ event_title }}",
     "en": "A seat is free: {{ event_title }}"},
    "Hej {{ member_name }}\n\nDu sagde ja til en plads ved {{ event_title }}, da sessionen var fuld, og kom på "
    "ventelisten. Nu er en plads blevet ledig, og du er den næste på listen:\n{{ session }}\n\n"
    "Sig ja eller nej her senest {{ reply_by }} (linket er personligt):\n{{ link }}\n\n"
    "Svarer du ikke i tide, går pladsen videre til den næste på ventelisten.\n\nVenlig hilsen\n{{ council_name }}",
    "Hei {{ member_name }}\n\nDu sa ja til en plass på {{ event_title }} da økten var full, og kom på "
    "ventelisten. Nå er en plass blitt ledig, og du er den neste på listen:\n{{ session }}\n\n"
    "Svar ja eller nei her senest {{ reply_by }} (lenken er personlig):\n{{ link }}\n\n"
    "Svarer du ikke i tide, går plassen videre til den neste på ventelisten.\n\nVennlig hilsen\n{{ council_name }}",
    "Dear {{ member_name }}\n\nYou said yes to a seat at {{ event_title }} when the session was full, and went on "
    "the waiting list. A seat has now become free, and you are next on the list:\n{{ session }}\n\n"
    "Please say yes or no here by {{ reply_by }} (the link is personal):\n{{ link }}\n\n"
    "Without an answer in time, the seat goes to the next on the waiting list.\n\nBest regards\n{{ council_name }}",
)

EXTRA_INVITATION = _texts(
    {"da": "Invitation fra reservelisten ud over pladserne", "nb": "Invitasjon fra reservelisten utover plassene",
     "en": "Invitation from the reserve list beyond the seats"},
    {"da": "Kan du komme? {{ event_title }}", "nb": "Kan du komme? {{ event_title }}",
     "en": "Can you come? {{ event_title }}"},
    "Hej {{ member_name }}\n\nDu er på reservelisten til {{ event_title }}:\n{{ session }}\n\n"
    "Vi inviterer nogle få fra reservelisten, fordi ikke alle, der er trukket ud, plejer at kunne komme. "
    "Sig ja eller nej her senest {{ reply_by }} (linket er personligt):\n{{ link }}\n\n"
    "Er alle pladser taget, når du siger ja, kommer du på ventelisten og får en e-mail, hvis en plads bliver "
    "ledig.\n\nVenlig hilsen\n{{ council_name }}",
    "Hei {{ member_name }}\n\nDu står på reservelisten til {{ event_title }}:\n{{ session }}\n\n"
    "Vi inviterer noen få fra reservelisten, fordi ikke alle som er trukket ut, pleier å kunne komme. "
    "Svar ja eller nei her senest {{ reply_by }} (lenken er personlig):\n{{ link }}\n\n"
    "Er alle plassene tatt når du sier ja, kommer du på ventelisten og får en e-post hvis en plass blir "
    "ledig.\n\nVennlig hilsen\n{{ council_name }}",
    "Dear {{ member_name }}\n\nYou are on the reserve list for {{ event_title }}:\n{{ session }}\n\n"
    "We are inviting a few from the reserve list, as not everyone drawn is usually able to come. "
    "Please say yes or no here by {{ reply_by }} (the link is personal):\n{{ link }}\n\n"
    "If every seat is taken when you say yes, you go on the waiting list and get an e-mail if a seat becomes "
    "free.\n\nBest regards\n{{ council_name }}",
)

MESSAGE_TYPES = {"event_call": CALL, "event_invitation": INVITATION, "event_reserve": RESERVE,
                 "event_not_drawn": NOT_DRAWN, "event_reminder": REMINDER, "event_change": CHANGE,
                 "event_cancel": CANCEL, "event_seat_offer": SEAT_OFFER,
                 "event_extra_invitation": EXTRA_INVITATION}
# The e-mails about one seat's time and place carry the session as a calendar file.
WITH_CALENDAR = {"event_reminder", "event_change"}
# Only the call is a marketing-like e-mail that a member's "no event e-mails" choice stops. The
# others answer the member's own volunteering (their seat, its time and place), so they go out
# like a login link does, without an unsubscribe link.
TRANSACTIONAL = {"event_invitation", "event_reserve", "event_not_drawn", "event_reminder", "event_change",
                 "event_cancel", "event_seat_offer", "event_extra_invitation"}


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
            "deadline": format_when(event.volunteer_deadline), "session": "", "reply_by": "",
        }
