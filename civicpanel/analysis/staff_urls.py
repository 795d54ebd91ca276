from django.urls import path

from civicpanel.analysis import views

urlpatterns = [
    path("", views.staff_home, name="home"),
]
