from django.urls import path

from civicpanel.accounts import views

urlpatterns = [
    path("staff/", views.staff_list_view, name="staff"),
    path("staff/add/", views.staff_add_view, name="staff_add"),
    path("staff/<int:membership_id>/", views.staff_edit_view, name="staff_edit"),
]
