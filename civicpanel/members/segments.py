"""Saved segments: named member filters that every app choosing members uses alike (a survey's
sending, a newsletter, a call for volunteers to an event)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from civicpanel.audit.services import audit_record
from civicpanel.members.member_sets import member_sets
from civicpanel.members.models import Segment
from civicpanel.panel.models import ProfileQuestion


def segment_list(*, council) -> QuerySet[Segment]:
    return Segment.objects.filter(council=council)


def segment_get(*, council, segment_id) -> Segment | None:
    """The council's segment with this id, or None (another council's id finds nothing)."""
    if not str(segment_id or "").isdecimal():
        return None
    return Segment.objects.filter(council=council, pk=int(segment_id)).first()


def clean_filters(*, council, filters: dict) -> dict[str, list[str]]:
    """Keep only real question keys and option codes (a saved segment may predate a change)."""
    clean = {}
    questions = (ProfileQuestion.objects.filter(council=council, active=True).prefetch_related("options")
                 .order_by("order", "id"))
    for question in questions:
        codes = [o.code for o in question.options.all() if o.code in (filters.get(question.key) or [])]
        if codes:
            clean[question.key] = codes
    # Sets registered by other apps (e.g. those who attended an event), checked against their choices.
    for registered in member_sets():
        wanted = [str(v) for v in (filters.get(registered.key) or [])]
        if wanted:
            known = {value for value, _label in registered.choices(council)}
            values = [v for v in wanted if v in known]
            if values:
                clean[registered.key] = values
    return clean


def segment_save(*, council, actor, name: str, filters: dict, request=None) -> Segment:
    """Save (or overwrite) a named audience filter."""
    filters = clean_filters(council=council, filters=filters)
    name = name.strip()
    if not name:
        raise ValidationError({"segment_name": _("Give the segment a name.")})
    with transaction.atomic():
        segment, _created = Segment.objects.update_or_create(
            council=council, name=name, defaults={"filters": filters, "created_by": actor}
        )
        audit_record(council=council, actor=actor, action="segment.save", target=segment,
                     detail={"filters": filters}, request=request)
    return segment
