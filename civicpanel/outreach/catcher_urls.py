"""/demo/mail/: included by the root urls only when CIVICPANEL_MAIL_CATCHER_DIR is set."""

from django.urls import path

from civicpanel.outreach import catcher_views

app_name = "mailcatcher"
urlpatterns = [
    path("", catcher_views.catcher_list_view, name="list"),
    path("<str:name>/", catcher_views.catcher_detail_view, name="detail"),
    path("<str:name>/raw/", catcher_views.catcher_raw_view, name="raw"),
]
