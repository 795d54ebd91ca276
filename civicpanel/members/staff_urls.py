from django.urls import path

from civicpanel.members import staff_views

urlpatterns = [
    path("members/", staff_views.member_list_view, name="members"),
    path("members/export.csv", staff_views.member_export_view, name="members_export"),
    path("members/invite/", staff_views.members_invite_view, name="members_invite"),
    path("members/import/", staff_views.member_import_view, name="members_import"),
    path("members/import/template.csv", staff_views.member_import_template_view, name="members_import_template"),
    path("members/<int:member_id>/", staff_views.member_detail_view, name="member_detail"),
    path("members/<int:member_id>/status/", staff_views.member_status_view, name="member_status"),
    path("members/<int:member_id>/edit/", staff_views.member_edit_view, name="member_edit"),
    path("members/<int:member_id>/invite/", staff_views.member_invite_view, name="member_invite"),
]
