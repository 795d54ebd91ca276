from django.urls import path

from civicpanel.outreach import views

app_name = "outreach"
urlpatterns = [
    path("unsubscribe/", views.unsubscribe_continue_view, name="unsubscribe_continue"),
    path("unsubscribe/<str:token>/", views.unsubscribe_view, name="unsubscribe"),
]
