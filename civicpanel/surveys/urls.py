from django.urls import path

from civicpanel.surveys import views_answer

app_name = "surveys"
urlpatterns = [
    # Before the token route: "answer" is never a token (tokens are 43 characters).
    path("answer/<int:survey_id>/", views_answer.answer_session_view, name="answer_session"),
    path("<str:token>/", views_answer.answer_view, name="answer"),
]
