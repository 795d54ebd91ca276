from django.urls import path

from civicpanel.analysis import report_views, representativeness_views, views

urlpatterns = [
    path("", views.staff_home, name="home"),
    path("representativeness/", representativeness_views.representativeness_view, name="representativeness"),
    path("surveys/<int:survey_id>/report/", report_views.report_view, name="survey_report"),
    path("surveys/<int:survey_id>/report/<int:report_id>/status/", report_views.report_status_view,
         name="survey_report_status"),
    path("surveys/<int:survey_id>/report/<int:report_id>/pdf/", report_views.report_download_view,
         name="survey_report_download"),
]
