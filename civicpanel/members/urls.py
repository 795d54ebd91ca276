"""Public (resident-facing) pages of the panel; the staff pages are in staff_urls.py."""

from django.urls import path

from civicpanel.members import views

app_name = "members"
urlpatterns = [
    path("join/", views.signup, name="signup"),
    path("join/check-your-email/", views.signup_sent, name="signup_sent"),
    path("join/confirm/", views.confirm_continue, name="confirm_continue"),
    path("join/confirm/<str:token>/", views.confirm, name="confirm"),
    path("me/login/", views.login, name="login"),
    path("me/login/check-your-email/", views.login_sent, name="login_sent"),
    path("me/login/continue/", views.login_continue, name="login_continue"),
    path("me/login/<str:token>/", views.login_token, name="login_token"),
    path("me/logout/", views.logout, name="logout"),
    path("me/", views.home, name="home"),
    path("me/profile/", views.profile_edit, name="profile"),
    path("me/preferences/", views.preferences, name="preferences"),
    path("me/data/", views.data, name="data"),
    path("me/data/my-data.json", views.data_json, name="data_json"),
    path("me/data/my-data.csv", views.data_csv, name="data_csv"),
    path("me/consent/", views.consent, name="consent"),
    path("me/leave/", views.leave, name="leave"),
    path("left/", views.left, name="left"),
]
