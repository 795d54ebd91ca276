"""Public pages: sign-up with the personal code from a recruitment letter."""

from django.urls import path

from civicpanel.recruitment import views

app_name = "recruitment"
urlpatterns = [
    path("join/letter/", views.code_entry, name="code_entry"),
    path("join/letter/continue/", views.letter_signup, name="letter_signup"),
    path("join/letter/<str:token>/", views.code_link, name="code_link"),
]
