from django.urls import path

from civicpanel.outreach import views

urlpatterns = [
    path("messages/", views.message_list_view, name="outreach_messages"),
    path("messages/<slug:key>/<str:language>/", views.message_edit_view, name="outreach_message_edit"),
    path("mailings/", views.mailing_list_view, name="outreach_mailings"),
    path("mailings/<int:mailing_id>/", views.mailing_detail_view, name="outreach_mailing"),
    path("mailings/<int:mailing_id>/cancel/", views.mailing_cancel_view, name="outreach_mailing_cancel"),
]
