from django.urls import path

from civicpanel.audit import views

urlpatterns = [
    path("audit/", views.audit_log_view, name="audit"),
]
