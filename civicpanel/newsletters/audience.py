"""Who gets a newsletter: the members of the chosen filter who are active, want news e-mails and
have a working address; who is left out and why; and how many read each language.

News goes only to members whose agreed consent version covers news e-mail.
A newsletter asks nothing of anyone, so it does not count towards the contact limit on
invitations (surveys and events); the outreach worker checks the same rules again for each
e-mail just before it goes, so a member who unsubscribes in between is skipped.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from civicpanel.members.models import Member
from civicpanel.members.selectors import members_filter
from civicpanel.outreach.selectors import council_message_languages
from civicpanel.outreach.texts import message_language

LEFT_OUT_REASONS = {
    "not_active": _("not active (awaiting confirmation or paused)"),
    "no_news": _("do not want news e-mails"),
    "no_consent": _("have not agreed to a consent text that covers news e-mails (they are asked when they next "
                    "log in)"),
    "no_email": _("e-mail bounced or missing"),
}


@dataclass
class Audience:
    member_ids: list[int]
    left_out: dict[str, int]
    base_count: int
    by_language: dict[str, int] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return len(self.member_ids)

    @property
    def left_out_rows(self) -> list[tuple[str, int]]:
        return [(LEFT_OUT_REASONS[key], n) for key, n in self.left_out.items() if n]


def newsletter_audience(*, council, filters: dict) -> Audience:
    """The recipients now (each left-out member counted once, under the first reason)."""
    base = members_filter(council=council, filters=filters).filter(council=council).exclude(status=Member.Status.LEFT)
    reasons = [
        ("not_active", ~Q(status=Member.Status.ACTIVE)),
        ("no_news", Q(wants_news=False)),
        # Councils set up before the consent text asked for news: their members agree to a newer
        # version first (outreach.sending.news_consented checks it again at send time).
        ("no_consent", Q(consent_version__isnull=True) | Q(consent_version__covers_news=False)),
        ("no_email", Q(email_bounced=True) | Q(email__isnull=True) | Q(email="")),
    ]
    remaining, left_out = base, {}
    base_count = base.count()
    for key, condition in reasons:
        left_out[key] = remaining.filter(condition).values("pk").distinct().count()
        if left_out[key]:
            remaining = remaining.exclude(condition)
    member_ids = list(remaining.values_list("pk", flat=True).distinct().order_by("pk"))
    languages: Counter[str] = Counter()
    rows = (Member.objects.filter(pk__in=remaining.values("pk")).values("language")
            .annotate(n=Count("pk")).order_by())
    for row in rows:
        languages[message_language(council, row["language"])] += row["n"]
    by_language = {code: languages.get(code, 0) for code in council_message_languages(council)}
    return Audience(member_ids=member_ids, left_out=left_out, base_count=base_count, by_language=by_language)
