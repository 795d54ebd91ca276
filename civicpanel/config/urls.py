from django.conf import settings
from django.urls import include, path
from django.views.i18n import set_language

urlpatterns = [
    path("i18n/setlang/", set_language, name="set_language"),
    path("accounts/", include("allauth.urls")),
    path("staff/", include("civicpanel.config.staff_urls")),
    path("s/", include("civicpanel.surveys.urls")),
    path("events/", include("civicpanel.events.urls")),
    path("o/", include("civicpanel.outreach.urls")),
    path("pb/", include("civicpanel.budgeting.urls")),
    path("results/", include("civicpanel.publishing.urls")),
    path("api/", include("civicpanel.api.urls")),
    path("", include("civicpanel.tenancy.urls")),
    path("", include("civicpanel.common.urls")),
    path("", include("civicpanel.recruitment.urls")),
    path("", include("civicpanel.members.urls")),
]

if settings.CIVICPANEL_MAIL_CATCHER_DIR:
    urlpatterns.insert(0, path("demo/mail/", include("civicpanel.outreach.catcher_urls")))
