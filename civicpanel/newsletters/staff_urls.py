from django.urls import path

from civicpanel.newsletters import staff_views as views

urlpatterns = [
    path("newsletters/", views.newsletter_list_view, name="newsletters"),
    path("newsletters/new/", views.newsletter_create_view, name="newsletter_create"),
    path("newsletters/<int:newsletter_id>/", views.newsletter_detail_view, name="newsletter"),
    path("newsletters/<int:newsletter_id>/edit/", views.newsletter_edit_view, name="newsletter_edit"),
    path("newsletters/<int:newsletter_id>/test/", views.newsletter_test_view, name="newsletter_test"),
    path("newsletters/<int:newsletter_id>/send/", views.newsletter_confirm_view, name="newsletter_confirm"),
    path("newsletters/<int:newsletter_id>/cancel/", views.newsletter_cancel_view, name="newsletter_cancel"),
    path("newsletters/<int:newsletter_id>/delete/", views.newsletter_delete_view, name="newsletter_delete"),
]
