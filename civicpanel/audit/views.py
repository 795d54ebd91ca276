from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import render

from civicpanel.accounts.decorators import staff_view
from civicpanel.accounts.permissions import Capability
from civicpanel.accounts.selectors import staff_list
from civicpanel.audit.forms import AuditFilterForm
from civicpanel.audit.selectors import audit_actions, audit_events


@staff_view(Capability.AUDIT)
def audit_log_view(request):
    actors = [(m.user_id, m.user.email) for m in staff_list(council=request.council)]
    form = AuditFilterForm(request.GET or None, actions=audit_actions(council=request.council), actors=actors)
    filters = form.cleaned_data if form.is_valid() else {}
    events = audit_events(
        council=request.council,
        action=filters.get("action") or "",
        actor_id=int(filters["actor"]) if filters.get("actor") else None,
        member_id=filters.get("member"),
        since=filters.get("since"),
        until=filters.get("until"),
    )
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "audit/log.html", {"form": form, "page": page, "query": query.urlencode()})
