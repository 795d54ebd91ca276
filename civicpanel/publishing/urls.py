from django.urls import path

from civicpanel.publishing import views
from civicpanel.publishing.feeds import PanelFeed

app_name = "publishing"
urlpatterns = [
    path("", views.site_view, name="site"),
    path("feed/", PanelFeed(), name="feed"),
    path("<int:survey_id>/", views.survey_view, name="survey"),
]
