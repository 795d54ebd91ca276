from django.urls import path

from civicpanel.analysis import representativeness_views, views

urlpatterns = [
    path("", views.staff_home, name="home"),
    path("representativeness/", representativeness_views.representativeness_view, name="representativeness"),
]
