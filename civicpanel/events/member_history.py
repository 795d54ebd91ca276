"""A member's events on their staff member page: each event they were called to, whether they
volunteered, and their seat (registered with civicpanel.members.history in EventsConfig.ready())."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from civicpanel.common.models import translated
from civicpanel.events.models import Participant, Placement
from civicpanel.members.history import HistoryRow, HistorySection


def event_member_history(member) -> HistorySection | None:
    """None when the member was never called to an event (the page then shows no section)."""
    participants = list(
        Participant.objects.filter(member=member, event__council_id=member.council_id)
        .select_related("event").prefetch_related("placements__session").order_by("-called_at", "-pk")
    )
    if not participants:
        return None
    rows = []
    for participant in participants:
        placements = sorted((p for p in participant.placements.all() if p.state),
                            key=lambda p: p.session.starts_at)
        attended = [p for p in placements if p.state == Placement.State.ATTENDED]
        if participant.withdrawn_at:
            state = Placement.State.WITHDRAWN.label
        elif placements:
            state = "; ".join(str(p.get_state_display()) for p in placements)
        elif participant.volunteered_at:
            state = _("Volunteered")
        else:
            state = _("Called, did not volunteer")
        rows.append(HistoryRow(title=translated(participant.event.title), invited_at=participant.called_at,
                               state=state, done_at=attended[0].checked_in_at if attended else None,
                               taken_part=bool(attended)))
    taken = sum(1 for row in rows if row.taken_part)
    summary = ngettext("Called to %(n)s event, took part in %(taken)s.",
                       "Called to %(n)s events, took part in %(taken)s.", len(rows)) % {"n": len(rows), "taken": taken}
    return HistorySection(key="events", title=_("Events"), rows=rows, summary=summary)
