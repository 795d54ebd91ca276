"""The demo's mail pages (/demo/mail/): what the mail catcher received. Only installed when
CIVICPANEL_MAIL_CATCHER_DIR is set, which only the demo does; public on purpose."""

from __future__ import annotations

from django.conf import settings
from django.http import FileResponse, Http404
from django.shortcuts import render

from civicpanel.outreach.catcher import caught_list, caught_path, caught_read


def catcher_list_view(request):
    mails, total = caught_list(settings.CIVICPANEL_MAIL_CATCHER_DIR)
    return render(request, "outreach/catcher_list.html", {"mails": mails, "total": total})


def catcher_detail_view(request, name: str):
    path = caught_path(settings.CIVICPANEL_MAIL_CATCHER_DIR, name)
    if path is None:
        raise Http404
    return render(request, "outreach/catcher_detail.html", {"message": caught_read(path)})


def catcher_raw_view(request, name: str):
    path = caught_path(settings.CIVICPANEL_MAIL_CATCHER_DIR, name)
    if path is None:
        raise Http404
    return FileResponse(path.open("rb"), content_type="text/plain; charset=utf-8")
