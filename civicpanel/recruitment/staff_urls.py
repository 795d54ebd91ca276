from django.urls import path

from civicpanel.recruitment import staff_views as views

urlpatterns = [
    path("recruitment/", views.recruitment_home, name="recruitment"),
    path("recruitment/campaigns/<int:campaign_id>/", views.campaign_view, name="recruitment_campaign"),
    path("recruitment/campaigns/<int:campaign_id>/plan/", views.campaign_plan_view, name="recruitment_campaign_plan"),
    path("recruitment/extracts/new/", views.extract_upload_view, name="recruitment_extract_upload"),
    path("recruitment/extracts/<int:extract_id>/", views.extract_view, name="recruitment_extract"),
    path("recruitment/extracts/<int:extract_id>/delete/", views.extract_delete_view, name="recruitment_extract_delete"),
    path("recruitment/letters/<int:batch_id>/", views.batch_view, name="recruitment_batch"),
    path("recruitment/letters/<int:batch_id>/files/", views.batch_file_request_view, name="recruitment_batch_file"),
    path("recruitment/letters/<int:batch_id>/files/<int:file_id>/status/", views.batch_file_status_view,
         name="recruitment_batch_file_status"),
    path("recruitment/letters/<int:batch_id>/files/<int:file_id>/download/", views.batch_file_download_view,
         name="recruitment_batch_file_download"),
    path("recruitment/health/", views.health_view, name="recruitment_health"),
    path("recruitment/health/plan/", views.plan_batch_view, name="recruitment_plan_batch"),
    path("recruitment/settings/", views.settings_view, name="recruitment_settings"),
]
