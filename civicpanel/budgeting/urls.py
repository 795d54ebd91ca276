from django.urls import path

from civicpanel.budgeting import views

app_name = "budgeting"
urlpatterns = [
    path("", views.round_list_view, name="rounds"),
    path("built/", views.built_view, name="built"),
    path("images/<slug:key>.jpg", views.image_view, name="image"),
    path("<int:round_id>/", views.round_view, name="round"),
    path("<int:round_id>/ideas/", views.ideas_view, name="ideas"),
    path("<int:round_id>/ideas/new/", views.idea_new_view, name="idea_new"),
    path("<int:round_id>/projects/", views.projects_view, name="projects"),
    path("<int:round_id>/vote/<slug:pot>/", views.vote_view, name="vote"),
    path("<int:round_id>/results/", views.results_view, name="results"),
    path("<int:round_id>/mine/", views.my_view, name="my"),
    path("<int:round_id>/mine/data.json", views.resident_data_view, name="resident_data"),
    path("<int:round_id>/mine/updates/", views.resident_updates_view, name="resident_updates"),
    path("<int:round_id>/mine/erase/", views.resident_erase_view, name="resident_erase"),
    path("<int:round_id>/access/", views.resident_access_view, name="resident_access"),
    path("<int:round_id>/join/", views.resident_join_view, name="resident_join"),
    path("<int:round_id>/confirm/", views.resident_confirm_continue_view, name="resident_confirm_continue"),
    path("<int:round_id>/confirm/<str:token>/", views.resident_confirm_view, name="resident_confirm"),
    path("<int:round_id>/pabulib/<slug:key>.pb", views.pabulib_view, name="pabulib"),
]
