from django.urls import path

from civicpanel.tenancy import views

urlpatterns = [
    path("brand/<int:version>.css", views.brand_css, name="council_brand_css"),
    path("brand/logo-<int:version>", views.logo, name="council_logo"),
]
