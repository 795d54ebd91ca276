"""Staff pages under /staff/surveys/ (namespace "staff")."""

from django.urls import path

from civicpanel.surveys import views_builder as b
from civicpanel.surveys import views_exports as e
from civicpanel.surveys import views_paper as p
from civicpanel.surveys import views_send as s

urlpatterns = [
    path("surveys/", b.survey_list_view, name="surveys"),
    path("surveys/new/", b.survey_create_view, name="survey_create"),
    path("surveys/templates/<slug:key>/", b.survey_from_template_view, name="survey_from_template"),
    path("surveys/<int:survey_id>/", b.survey_detail_view, name="survey_detail"),
    path("surveys/<int:survey_id>/edit/", b.survey_edit_view, name="survey_edit"),
    path("surveys/<int:survey_id>/purpose/", b.survey_purpose_view, name="survey_purpose"),
    path("surveys/<int:survey_id>/preview/", b.preview_view, name="survey_preview"),
    path("surveys/<int:survey_id>/do/<slug:action>/", b.survey_action_view, name="survey_action"),
    path("surveys/<int:survey_id>/pages/<int:page_id>/", b.page_edit_view, name="survey_page_edit"),
    path("surveys/<int:survey_id>/pages/<int:page_id>/do/<slug:action>/", b.page_action_view,
         name="survey_page_action"),
    path("surveys/<int:survey_id>/pages/<int:page_id>/questions/new/", b.question_create_view,
         name="survey_question_create"),
    path("surveys/<int:survey_id>/questions/<int:question_id>/", b.question_edit_view, name="survey_question_edit"),
    path("surveys/<int:survey_id>/questions/<int:question_id>/do/<slug:action>/", b.question_action_view,
         name="survey_question_action"),
    path("surveys/<int:survey_id>/send/", s.send_view, name="survey_send"),
    path("surveys/for/<slug:key>/<str:value>/", s.audience_surveys_view, name="survey_audience"),
    path("surveys/for/<slug:key>/<str:value>/new/", s.audience_survey_create_view, name="survey_audience_create"),
    path("surveys/<int:survey_id>/remind/", s.remind_view, name="survey_remind"),
    path("surveys/<int:survey_id>/waves/<int:wave_id>/cancel/", s.wave_cancel_view, name="survey_wave_cancel"),
    path("surveys/<int:survey_id>/progress/", s.progress_view, name="survey_progress"),
    path("surveys/<int:survey_id>/results/", s.results_view, name="survey_results"),
    path("surveys/<int:survey_id>/representativeness/", s.representativeness_view,
         name="survey_representativeness"),
    # The Excel file is made by the worker: its page asks for it and follows the progress.
    path("surveys/<int:survey_id>/export/xlsx/", e.excel_view, name="survey_excel"),
    path("surveys/<int:survey_id>/export/xlsx/<int:export_id>/status/", e.excel_status_view,
         name="survey_excel_status"),
    path("surveys/<int:survey_id>/export/xlsx/<int:export_id>/file/", e.excel_download_view,
         name="survey_excel_download"),
    path("surveys/<int:survey_id>/export/<slug:fmt>/", s.export_view, name="survey_export"),
    path("surveys/<int:survey_id>/paper/", p.paper_view, name="survey_paper"),
    path("surveys/<int:survey_id>/paper/questionnaire.pdf", p.paper_blank_view, name="survey_paper_blank"),
    path("surveys/<int:survey_id>/paper/waves/<int:wave_id>.pdf", p.paper_wave_pdf_view, name="survey_paper_wave"),
    path("surveys/<int:survey_id>/paper/waves/<int:wave_id>/list/", p.paper_contacts_view, name="survey_paper_contacts"),
    path("surveys/<int:survey_id>/paper/waves/<int:wave_id>/list.pdf", p.paper_contacts_pdf_view,
         name="survey_paper_contacts_pdf"),
    path("surveys/<int:survey_id>/paper/enter/", p.paper_enter_view, name="survey_paper_enter"),
    path("surveys/<int:survey_id>/paper/resolve/<int:invitation_id>/", p.paper_resolve_view,
         name="survey_paper_resolve"),
]
