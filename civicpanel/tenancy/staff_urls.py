"""The council settings pages (general, districts, ...) are in civicpanel.panel.urls:
their views need the staff gate from accounts and the profile models from members, and tenancy
sits below both in the layer order, so it keeps no staff views of its own."""

urlpatterns: list = []
