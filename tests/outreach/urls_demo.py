"""The root urls as the demo has them (with /demo/mail/), for the mail catcher page tests."""

from django.urls import include, path

from civicpanel.config.urls import urlpatterns as root_patterns

urlpatterns = [path("demo/mail/", include("civicpanel.outreach.catcher_urls")), *root_patterns]
