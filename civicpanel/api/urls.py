"""/api/: the read API, one path per version."""

from django.urls import path

from civicpanel.api.v1 import api as v1

urlpatterns = [
    path("v1/", v1.urls),
]
