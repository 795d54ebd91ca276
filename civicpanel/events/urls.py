from django.urls import path

from civicpanel.events import views

app_name = "events"
urlpatterns = [
    path("<int:event_id>/", views.event_public_view, name="public"),
    path("p/<str:token>/", views.participant_view, name="participant"),
    path("p/<str:token>/withdraw/", views.participant_withdraw_view, name="withdraw"),
    path("p/<str:token>/files/<int:number>/<slug:name>.csv", views.participant_file_view, name="file"),
]
