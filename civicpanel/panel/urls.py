"""The council admin's settings pages, under /staff/settings/ in the "staff" namespace."""

from django.urls import path

from civicpanel.panel import views

urlpatterns = [
    path("settings/", views.settings_home_view, name="settings"),
    path("settings/general/", views.settings_general_view, name="settings_general"),
    path("settings/districts/", views.settings_districts_view, name="settings_districts"),
    path("settings/districts/<int:district_id>/", views.settings_district_edit_view, name="settings_district"),
    path("settings/districts/<int:district_id>/move/", views.settings_district_move_view,
         name="settings_district_move"),
    path("settings/profile/", views.settings_profile_view, name="settings_profile"),
    path("settings/profile/add/", views.settings_profile_add_view, name="settings_profile_add"),
    path("settings/profile/<int:question_id>/", views.settings_question_view, name="settings_question"),
    path("settings/profile/<int:question_id>/move/", views.settings_profile_move_view,
         name="settings_question_move"),
    path("settings/profile/options/<int:option_id>/", views.settings_option_view, name="settings_option"),
    path("settings/profile/options/<int:option_id>/move/", views.settings_option_move_view,
         name="settings_option_move"),
    path("settings/consent/", views.settings_consent_view, name="settings_consent"),
    path("settings/population/", views.settings_population_view, name="settings_population"),
    path("settings/population/upload/", views.settings_population_upload_view, name="settings_population_upload"),
    path("settings/population/<int:question_id>/", views.settings_population_question_view,
         name="settings_population_question"),
    path("settings/campaigns/", views.settings_campaigns_view, name="settings_campaigns"),
]
