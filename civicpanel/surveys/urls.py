from django.urls import path

from civicpanel.surveys import views_answer

app_name = "surveys"
urlpatterns = [
    path("<str:token>/", views_answer.answer_view, name="answer"),
]
