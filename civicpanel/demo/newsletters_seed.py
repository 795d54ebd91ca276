"""The demo's newsletters: one sent to the whole Valby panel two weeks ago (with its delivery
figures), and one planned for next week to the members in Vigerslev.

Both go through the same services as the staff pages (draft, confirmation, outreach mailing).
The sent one is then dated back as the worker would have left it, so the demo opens on a
newsletter with its figures instead of two thousand fresh e-mails in the mail catcher.
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.db import transaction
from django.utils import timezone

from civicpanel.newsletters import services
from civicpanel.newsletters.models import Newsletter
from civicpanel.newsletters.selectors import confirmation_fingerprint
from civicpanel.outreach.models import Delivery, Mailing
from civicpanel.panel.models import ProfileOption

AUTUMN = {
    "subject": {
        "da": "Nyt fra borgerpanelet: det har vi brugt jeres svar til",
        "nb": "Nytt fra innbyggerpanelet: dette har vi brukt svarene deres til",
        "en": "News from the citizen panel: what your answers were used for",
    },
    "body": {
        "da": "Tak til alle, der har svaret i år. Her er, hvad lokaludvalget har gjort med svarene.\n\n"
              "## Trafik i Vigerslev\n"
              "Over halvdelen af jer, der svarede, oplever krydset ved Vigerslev Allé som utrygt. "
              "Lokaludvalget har sendt **et høringssvar** til Københavns Kommunes trafikplan og beder om, "
              "at krydset bliver set på først.\n\n"
              "## Det sker i vinter\n"
              "- en ny undersøgelse om grønne områder i januar\n"
              "- et borgermøde om trafikplanen i Vigerslev\n\n"
              "Læs mere om Københavns Kommunes trafikplaner på https://www.kk.dk/.\n\n"
              "Med venlig hilsen\nValby Lokaludvalg",
        "nb": "Takk til alle som har svart i år. Her er hva lokalutvalget har gjort med svarene.\n\n"
              "## Trafikk i Vigerslev\n"
              "Over halvparten av dere som svarte, opplever krysset ved Vigerslev Allé som utrygt. "
              "Lokalutvalget har sendt **et høringssvar** til Københavns kommunes trafikkplan og ber om "
              "at krysset blir sett på først.\n\n"
              "## Dette skjer i vinter\n"
              "- en ny undersøkelse om grøntområder i januar\n"
              "- et innbyggermøte om trafikkplanen i Vigerslev\n\n"
              "Les mer om Københavns kommunes trafikkplaner på https://www.kk.dk/.\n\n"
              "Vennlig hilsen\nValby Lokaludvalg",
        "en": "Thank you to everyone who answered this year. Here is what the local council did with your answers.\n\n"
              "## Traffic in Vigerslev\n"
              "More than half of you who answered find the junction at Vigerslev Allé unsafe. The local council "
              "has sent **a consultation response** to the City of Copenhagen's traffic plan and asks for that "
              "junction to be looked at first.\n\n"
              "## Coming this winter\n"
              "- a new survey about green spaces in January\n"
              "- a public meeting about the traffic plan in Vigerslev\n\n"
              "Read more about the City of Copenhagen's traffic plans at https://www.kk.dk/.\n\n"
              "Best regards\nValby Lokaludvalg",
    },
}

MEETING = {
    "subject": {
        "da": "Borgermøde om trafikken i Vigerslev",
        "nb": "Innbyggermøte om trafikken i Vigerslev",
        "en": "Public meeting about traffic in Vigerslev",
    },
    "body": {
        "da": "Du bor i Vigerslev, og derfor inviterer lokaludvalget dig til et borgermøde om trafikplanen.\n\n"
              "## Tid og sted\n"
              "Tirsdag den 15. december kl. 19-21 i Valby Kulturhus, Valgårdsvej 4.\n\n"
              "## Program\n"
              "1. Hvad borgerpanelet svarede om trafikken\n"
              "2. Kommunens planer for krydsene\n"
              "3. Spørgsmål og forslag\n\n"
              "Det er gratis, og du behøver ikke at melde dig til.\n\n"
              "Med venlig hilsen\nValby Lokaludvalg",
        "nb": "Du bor i Vigerslev, og derfor inviterer lokalutvalget deg til et innbyggermøte om trafikkplanen.\n\n"
              "## Tid og sted\n"
              "Tirsdag 15. desember kl. 19–21 i Valby Kulturhus, Valgårdsvej 4.\n\n"
              "## Program\n"
              "1. Hva innbyggerpanelet svarte om trafikken\n"
              "2. Kommunens planer for kryssene\n"
              "3. Spørsmål og forslag\n\n"
              "Det er gratis, og du trenger ikke å melde deg på.\n\n"
              "Vennlig hilsen\nValby Lokaludvalg",
        "en": "You live in Vigerslev, so the local council invites you to a public meeting about the traffic plan.\n\n"
              "## When and where\n"
              "Tuesday 15 December, 7 to 9 pm, at Valby Kulturhus, Valgårdsvej 4.\n\n"
              "## Programme\n"
              "1. What the citizen panel said about traffic\n"
              "2. The city's plans for the junctions\n"
              "3. Questions and suggestions\n\n"
              "It is free, and you do not need to sign up.\n\n"
              "Best regards\nValby Lokaludvalg",
    },
}


def _send(*, council, actor, newsletter: Newsletter, send_at=None) -> Newsletter:
    """What pressing "Yes, send" on the confirmation page does."""
    return services.newsletter_send(council=council, actor=actor, newsletter=newsletter, send_at=send_at,
                                    confirmation=secrets.token_hex(16),
                                    fingerprint=confirmation_fingerprint(newsletter=newsletter, send_at=send_at))


def _as_sent_days_ago(newsletter: Newsletter, days: int) -> None:
    """Date the wave back and leave its deliveries as the worker leaves sent e-mails."""
    sent_at = timezone.now() - dt.timedelta(days=days)
    Newsletter.objects.filter(pk=newsletter.pk).update(send_at=sent_at, confirmed_at=sent_at - dt.timedelta(minutes=3),
                                                       created_at=sent_at - dt.timedelta(days=1))
    Mailing.objects.filter(pk=newsletter.mailing_id).update(created_at=sent_at)
    Delivery.objects.filter(mailing_id=newsletter.mailing_id).update(
        state=Delivery.State.SENT, sent_at=sent_at, attempts=1)


def seed_demo_newsletters(*, council, actor) -> None:
    with transaction.atomic():
        autumn = services.newsletter_save(council=council, actor=actor, **AUTUMN)
        autumn = _send(council=council, actor=actor, newsletter=autumn)
        _as_sent_days_ago(autumn, 14)
    vigerslev = ProfileOption.objects.get(question__council=council, district__name="Vigerslev")
    meeting = services.newsletter_save(council=council, actor=actor, filters={"district": [vigerslev.code]},
                                       **MEETING)
    _send(council=council, actor=actor, newsletter=meeting, send_at=timezone.now() + dt.timedelta(days=7))
