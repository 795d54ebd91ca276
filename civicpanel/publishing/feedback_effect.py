"""The effect of listening: do members who got the feedback answer the next survey more often
than the randomly held-back tenth who did not?

For each member of a feedback sending, the next survey is the first one they were invited to
after the feedback was sent (any survey of the council but the one fed back on). Groups are
compared as drawn (everyone drawn into the feedback group counts there, even if the e-mail was
skipped because they had turned off news e-mail): the draw makes the groups alike, so the
difference in response rates estimates what sending the feedback does.

Intervals: Wilson's score interval per group and Newcombe's hybrid score interval (method 10)
for the difference, both 95 %. With fewer than MIN_PER_GROUP members invited again in either
group the page says the numbers are too few to tell, and shows no difference.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from civicpanel.common.formatting import number
from civicpanel.publishing.models import Feedback, FeedbackMember
from civicpanel.surveys.models import Invitation

Z = 1.959963984540054  # 95 %
MIN_PER_GROUP = 30


def wilson(successes: int, n: int, z: float = Z) -> tuple[float, float]:
    if n == 0:
        return (0.0, 1.0)
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


def newcombe(s1: int, n1: int, s2: int, n2: int, z: float = Z) -> tuple[float, float]:
    """95 % interval of p1 - p2 (Newcombe 1998, method 10)."""
    p1, p2 = s1 / n1, s2 / n2
    l1, u1 = wilson(s1, n1, z)
    l2, u2 = wilson(s2, n2, z)
    d = p1 - p2
    return (d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2), d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2))


@dataclass
class Group:
    members: int  # in the group as drawn
    invited_again: int  # of them, invited to a later survey
    answered: int  # of those, answered it

    @property
    def rate(self) -> float | None:
        return self.answered / self.invited_again if self.invited_again else None

    @property
    def interval(self) -> tuple[float, float] | None:
        return wilson(self.answered, self.invited_again) if self.invited_again else None


@dataclass
class Effect:
    with_feedback: Group
    without_feedback: Group
    difference: float | None
    interval: tuple[float, float] | None
    min_per_group: int = MIN_PER_GROUP

    @property
    def too_few(self) -> bool:
        return min(self.with_feedback.invited_again, self.without_feedback.invited_again) < self.min_per_group

    @property
    def verdict(self) -> str:
        """"too_few", "more" or "less" (the interval of the difference leaves out zero), or "unclear"."""
        if self.too_few or self.interval is None:
            return "too_few"
        if self.interval[0] > 0:
            return "more"
        if self.interval[1] < 0:
            return "less"
        return "unclear"

    @property
    def points(self) -> dict[str, str]:
        """The difference and its interval in percentage points, signed, in the active language."""
        if self.difference is None or self.interval is None:
            return {}
        return {name: _signed(value * 100) for name, value in
                (("difference", self.difference), ("low", self.interval[0]), ("high", self.interval[1]))}


def _signed(value: float) -> str:
    shown = number(abs(value), 1)
    return shown if round(value, 1) == 0 else ("+" if value > 0 else "−") + shown


def feedback_effect(*, council, feedback: Feedback) -> Effect:
    groups = {}
    rows = FeedbackMember.objects.filter(feedback=feedback, feedback__council=council)
    later = (Invitation.objects.filter(survey__council=council, invited_at__gt=feedback.created_at)
             .exclude(survey_id=feedback.survey_id))
    for held_back in (False, True):
        group = rows.filter(held_back=held_back)
        invited_again = answered = 0
        counted: set[int] = set()
        # In time order, so each member's first invitation after the feedback is the one counted.
        for member_id, completed_at in (later.filter(member_id__in=group.values("member_id"))
                                        .order_by("invited_at", "id").values_list("member_id", "completed_at")):
            if member_id in counted:
                continue
            counted.add(member_id)
            invited_again += 1
            answered += completed_at is not None
        groups[held_back] = Group(members=group.count(), invited_again=invited_again, answered=answered)
    a, b = groups[False], groups[True]
    effect = Effect(with_feedback=a, without_feedback=b, difference=None, interval=None)
    if not effect.too_few:
        effect.difference = a.rate - b.rate
        effect.interval = newcombe(a.answered, a.invited_again, b.answered, b.invited_again)
    return effect
