"""Staff pages under /staff/events/ (namespace "staff")."""

from django.urls import path

from civicpanel.events import staff_views as v

urlpatterns = [
    path("events/", v.event_list_view, name="events"),
    path("events/new/", v.event_create_view, name="event_create"),
    path("events/<int:event_id>/", v.event_detail_view, name="event_detail"),
    path("events/<int:event_id>/edit/", v.event_edit_view, name="event_edit"),
    path("events/<int:event_id>/outcome/", v.event_outcome_view, name="event_outcome"),
    path("events/<int:event_id>/sessions/new/", v.session_edit_view, name="event_session_create"),
    path("events/<int:event_id>/sessions/<int:session_id>/", v.session_edit_view, name="event_session_edit"),
    path("events/<int:event_id>/sessions/<int:session_id>/delete/", v.session_delete_view,
         name="event_session_delete"),
    path("events/<int:event_id>/questions/new/", v.question_add_view, name="event_question_add"),
    path("events/<int:event_id>/questions/<int:question_id>/delete/", v.question_delete_view,
         name="event_question_delete"),
    path("events/<int:event_id>/call/", v.call_view, name="event_call"),
    path("events/<int:event_id>/draw/", v.draw_view, name="event_draw"),
    path("events/<int:event_id>/draw.csv", v.draw_export_view, name="event_draw_export"),
    path("events/<int:event_id>/seats/<int:placement_id>/decline/", v.seat_decline_view, name="event_seat_decline"),
    path("events/<int:event_id>/sessions/<int:session_id>/invite-extra/", v.seat_invite_extra_view,
         name="event_seat_invite_extra"),
    path("events/<int:event_id>/sessions/<int:session_id>/cancel/", v.session_cancel_view,
         name="event_session_cancel"),
    path("events/<int:event_id>/sessions/<int:session_id>/checkin/", v.checkin_view, name="event_checkin"),
    path("events/<int:event_id>/sessions/<int:session_id>/checkin/<int:placement_id>/", v.attendance_view,
         name="event_attendance"),
    path("events/<int:event_id>/sessions/<int:session_id>/no-shows/", v.no_shows_view, name="event_no_shows"),
    path("events/<int:event_id>/checkin/<str:code>/", v.checkin_code_view, name="event_checkin_code"),
]
