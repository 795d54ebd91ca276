from django.urls import path

from civicpanel.api import staff_views

urlpatterns = [
    path("settings/api/", staff_views.tokens_view, name="api_tokens"),
    path("settings/api/<int:token_id>/revoke/", staff_views.token_revoke_view, name="api_token_revoke"),
]
