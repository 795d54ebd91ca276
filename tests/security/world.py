"""One council with something behind every URL, and the whole URL table filled with its ids.

The page walks in tests/security (Content-Security-Policy, the role x route matrix, CSRF, GETs
that must not write, unscoped queries) all start from here, so a route added later is walked by
every one of them without anyone remembering to add it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from civicpanel.common.security import new_salt, token_hash
from civicpanel.members.models import Member, MemberToken
from civicpanel.members.tokens import token_issue, token_plaintext
from civicpanel.newsletters.models import Newsletter
from civicpanel.outreach.models import Delivery, Mailing
from civicpanel.outreach.sending import unsubscribe_token
from civicpanel.panel.models import ProfileQuestion
from civicpanel.publishing.models import Publication
from civicpanel.surveys.models import Page, Wave
from tests.factories import MemberFactory, staff_user
from tests.surveys.factories import build_survey, invite


def url_table(patterns=None, prefix: str = "/"):
    """(route, name, callback) for every URL of the install, namespaces joined into the name."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            namespace = pattern.namespace
            for route, name, callback in url_table(pattern.url_patterns, prefix + str(pattern.pattern)):
                yield route, (f"{namespace}:{name}" if namespace and name else name), callback
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.name, pattern.callback


@dataclass
class World:
    council: object
    ids: dict[str, str]
    tokens: dict[str, str]
    member: Member
    survey: object
    extra: dict = field(default_factory=dict)

    def host(self) -> str:
        return f"{self.council.slug}.localhost"

    def anonymous(self, **kwargs) -> Client:
        return Client(HTTP_HOST=self.host(), **kwargs)

    def member_client(self, **kwargs) -> Client:
        client = self.anonymous(**kwargs)
        session = client.session
        session["members.member_id"] = self.member.pk
        session["members.council_id"] = self.council.pk
        session.save()
        return client


def build_world(council) -> World:
    survey = build_survey(council, open_it=True)
    member = MemberFactory(council=council, status=Member.Status.ACTIVE)
    responder = MemberFactory(council=council, status=Member.Status.ACTIVE)
    _invitation, survey_token = invite(survey, responder)
    page = Page.objects.filter(survey=survey).first()
    wave = Wave.objects.filter(survey=survey).first() or Wave.objects.create(
        survey=survey, kind=Wave.Kind.INVITATION, send_at=timezone.now())
    profile_question = ProfileQuestion.objects.get(council=council, key="gender")
    mailing = Mailing.objects.create(council=council, message_type="survey_invitation")
    salt = new_salt()
    delivery = Delivery.objects.create(mailing=mailing, member=member, unsubscribe_salt=salt)
    unsubscribe = unsubscribe_token(delivery.pk, salt)
    delivery.unsubscribe_hash = token_hash(unsubscribe)
    delivery.save(update_fields=["unsubscribe_hash"])
    pending = MemberFactory(council=council, status=Member.Status.PENDING)
    confirm = token_plaintext(token_issue(member=pending, purpose=MemberToken.Purpose.CONFIRM))
    login = token_plaintext(token_issue(member=member, purpose=MemberToken.Purpose.LOGIN))
    membership = staff_user(council, "manager").memberships.get(council=council)
    newsletter = Newsletter.objects.create(council=council, subject={"da": "Nyt"}, body={"da": "Tekst"})
    ids = {
        "survey_id": str(survey.pk), "page_id": str(page.pk), "question_id": str(survey.q["transport"].pk),
        "wave_id": str(wave.pk), "member_id": str(member.pk), "district_id": str(council.districts.first().pk),
        "profile_question_id": str(profile_question.pk), "option_id": str(profile_question.options.first().pk),
        "mailing_id": str(mailing.pk), "newsletter_id": str(newsletter.pk), "membership_id": str(membership.pk), "pk": "999999",
        "key": "survey_invitation", "language": "da", "fmt": "csv", "action": "x",
    }
    from civicpanel.analysis.models import SurveyReport

    report = SurveyReport.objects.create(council=council, survey=survey, language="da", status="ready",
                                         pdf=b"%PDF-1.7\n%%EOF\n", size=15, progress=100)
    ids["report_id"] = str(report.pk)
    from civicpanel.surveys.export_files import export_write
    from civicpanel.surveys.models import ResponseExport

    export = ResponseExport.objects.create(council=council, survey=survey)
    export_write(export_id=export.pk)  # the Excel file, written as the worker writes it
    ids["export_id"] = str(export.pk)
    try:  # a participatory-budgeting round with projects, where that app is installed
        from tests.budgeting.factories import build_round

        pb_round = build_round(council)
        ids.update(round_id=str(pb_round.pk), project_id=str(pb_round.projects.first().pk))
    except ImportError:
        pass
    # Its results public, so the public results page and the feedback confirmation show real content.
    Publication.objects.create(council=council, survey=survey, published_at=timezone.now())
    # Paper and phone: a paper sending to a member without e-mail, entered twice and disagreeing.
    from civicpanel.surveys.models import Invitation, PaperEntry
    from civicpanel.surveys.services import wave_send

    MemberFactory(council=council, status=Member.Status.ACTIVE, email=None)
    paper_wave = wave_send(council=council, actor=None, survey=survey, channel=Wave.Channel.PAPER)
    paper_invitation = Invitation.objects.filter(wave=paper_wave).first()
    for number in (1, 2):
        PaperEntry.objects.create(invitation=paper_invitation, number=number, mode="paper",
                                  values={survey.q["car"].uid: "yes" if number == 1 else "no"})
    ids.update(paper_wave_id=str(paper_wave.pk), invitation_id=str(paper_invitation.pk))
    from civicpanel.api.services import token_create

    ids["token_id"] = str(token_create(council=council, actor=None, name="World", scopes=["surveys"]).token.pk)
    # Recruitment: an extract with a letter batch, the letters' campaign, and one letter's code.
    from civicpanel.recruitment import codes as letter_codes
    from civicpanel.recruitment.models import Letter
    from tests.recruitment.helpers import batch as letter_batch
    from tests.recruitment.helpers import extract as address_extract
    from tests.recruitment.helpers import residents

    extract = address_extract(council, residents(2, age=30))
    letters = letter_batch(council, extract)
    letter = Letter.objects.filter(batch=letters).first()
    from civicpanel.recruitment.models import LetterFile

    letter_file = LetterFile.objects.create(council=council, batch=letters, kind=LetterFile.Kind.PRINT,
                                            base_url="http://valby.localhost", total=2, done=2,
                                            status=LetterFile.Status.READY, content="JVBERi0xLjcK",
                                            filename="letters.pdf", content_type="application/pdf", size=9)
    ids.update(extract_id=str(extract.pk), batch_id=str(letters.pk), campaign_id=str(extract.campaign_id),
               file_id=str(letter_file.pk))
    tokens = {"recruitment:code_link": letter_codes.letter_code(letter.pk, letter.salt),
              "surveys:answer": survey_token, "members:confirm": confirm, "members:login_token": login,
              "outreach:unsubscribe": unsubscribe}
    return World(council=council, ids=ids, tokens=tokens, member=member, survey=survey)


def concrete(route: str, name: str, world: World) -> str | None:
    """The route with every part filled from the world; None for allauth's regex routes with
    keys that only an e-mail can carry."""
    if route.startswith("/accounts/^"):
        return None
    url = route
    for converter, converter_name in re.findall(r"<(?:(\w+):)?(\w+)>", route):
        if converter_name == "token":
            # A link of another app that this world makes no object for: a token that names nothing.
            value = world.tokens.get(name) or "no-such-token-" + "x" * 30
        elif converter_name == "question_id" and route.startswith("/staff/settings/"):
            value = world.ids["profile_question_id"]
        elif converter_name == "wave_id" and "/paper/" in route:
            value = world.ids["paper_wave_id"]
        elif converter_name == "key" and "/surveys/templates/" in route:
            value = "x"
        elif converter_name in world.ids:
            value = world.ids[converter_name]
        else:  # a part this world has no object for: an address that names nothing (a 404 page)
            value = "999999" if converter == "int" else "x"
        url = re.sub(rf"<(?:\w+:)?{converter_name}>", value, url, count=1)
    return url
