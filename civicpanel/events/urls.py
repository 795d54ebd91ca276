from django.urls import path

from civicpanel.events import views

app_name = "events"
urlpatterns = [
    path("<int:event_id>/", views.event_public_view, name="public"),
    path("p/<str:token>/", views.participant_link_view, name="link"),
    path("mine/<int:event_id>/", views.participant_view, name="mine"),
    path("mine/<int:event_id>/withdraw/", views.participant_withdraw_view, name="withdraw"),
    path("mine/<int:event_id>/files/<int:number>/<slug:name>.csv", views.participant_file_view, name="file"),
    path("mine/<int:event_id>/seats/<int:placement_id>/<slug:answer>/", views.seat_answer_view, name="seat_answer"),
    path("mine/<int:event_id>/seats/<int:placement_id>/", views.ticket_view, name="ticket"),
    path("mine/<int:event_id>/seats/<int:placement_id>/qr.svg", views.ticket_qr_view, name="ticket_qr"),
    path("mine/<int:event_id>/seats/<int:placement_id>/calendar.ics", views.ticket_calendar_view,
         name="ticket_calendar"),
]
