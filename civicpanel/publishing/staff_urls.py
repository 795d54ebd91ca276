"""Staff pages of publishing, joined into the one "staff" namespace under /staff/."""

from django.urls import path

from civicpanel.publishing import staff_views

urlpatterns = [
    path("surveys/<int:survey_id>/publish/", staff_views.publish_view, name="survey_publish"),
    path("surveys/<int:survey_id>/feedback/", staff_views.feedback_view, name="survey_feedback"),
    path("events/<int:event_id>/feedback/", staff_views.event_feedback_view, name="event_feedback"),
]
