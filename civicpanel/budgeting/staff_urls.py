"""Staff pages under /staff/pb/ (namespace "staff")."""

from django.urls import path

from civicpanel.budgeting import staff_views as v

urlpatterns = [
    path("pb/", v.round_list_view, name="pb_rounds"),
    path("pb/new/", v.round_create_view, name="pb_round_create"),
    path("pb/import/", v.round_import_view, name="pb_round_import"),
    path("pb/<int:round_id>/pabulib/<slug:key>.pb", v.round_export_view, name="pb_round_export"),
    path("pb/<int:round_id>/turnout/", v.turnout_view, name="pb_turnout"),
    path("pb/<int:round_id>/", v.round_view, name="pb_round"),
    path("pb/<int:round_id>/edit/", v.round_edit_view, name="pb_round_edit"),
    path("pb/<int:round_id>/stage/", v.round_stage_view, name="pb_round_stage"),
    path("pb/<int:round_id>/count/", v.round_count_view, name="pb_round_count"),
    path("pb/<int:round_id>/ideas/", v.ideas_view, name="pb_ideas"),
    path("pb/<int:round_id>/ideas/<int:idea_id>/screen/", v.idea_screen_view, name="pb_idea_screen"),
    path("pb/<int:round_id>/projects/new/", v.project_create_view, name="pb_project_create"),
    path("pb/<int:round_id>/projects/<int:project_id>/", v.project_view, name="pb_project"),
    path("pb/<int:round_id>/projects/<int:project_id>/sketch/", v.project_sketch_view, name="pb_project_sketch"),
    path("pb/<int:round_id>/projects/<int:project_id>/update/", v.project_update_view, name="pb_project_update"),
    path("pb/<int:round_id>/paper/", v.paper_view, name="pb_paper"),
    path("pb/<int:round_id>/paper/<int:entry_id>/<slug:action>/", v.paper_decide_view, name="pb_paper_decide"),
    path("pb/<int:round_id>/codes/", v.codes_view, name="pb_codes"),
]
