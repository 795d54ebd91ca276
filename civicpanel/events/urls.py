from django.urls import path

from civicpanel.events import views

app_name = "events"
urlpatterns = [
    path("<int:event_id>/", views.event_public_view, name="public"),
    path("p/<str:token>/", views.participant_view, name="participant"),
    path("p/<str:token>/withdraw/", views.participant_withdraw_view, name="withdraw"),
    path("p/<str:token>/files/<int:number>/<slug:name>.csv", views.participant_file_view, name="file"),
    path("p/<str:token>/seats/<int:placement_id>/<slug:answer>/", views.seat_answer_view, name="seat_answer"),
    path("p/<str:token>/seats/<int:placement_id>/", views.ticket_view, name="ticket"),
    path("p/<str:token>/seats/<int:placement_id>/qr.svg", views.ticket_qr_view, name="ticket_qr"),
    path("p/<str:token>/seats/<int:placement_id>/calendar.ics", views.ticket_calendar_view, name="ticket_calendar"),
]
