"""All staff pages live under /staff/ in the one namespace "staff"; each app lists its own."""

from civicpanel.accounts import staff_urls as accounts_urls
from civicpanel.analysis import staff_urls as analysis_urls
from civicpanel.api import staff_urls as api_urls
from civicpanel.audit import staff_urls as audit_urls
from civicpanel.budgeting import staff_urls as budgeting_urls
from civicpanel.events import staff_urls as events_urls
from civicpanel.members import staff_urls as members_urls
from civicpanel.newsletters import staff_urls as newsletters_urls
from civicpanel.outreach import staff_urls as outreach_urls
from civicpanel.panel import urls as settings_urls
from civicpanel.publishing import staff_urls as publishing_urls
from civicpanel.recruitment import staff_urls as recruitment_urls
from civicpanel.surveys import staff_urls as surveys_urls
from civicpanel.tenancy import staff_urls as tenancy_urls

app_name = "staff"
urlpatterns = [
    *tenancy_urls.urlpatterns,
    *accounts_urls.urlpatterns,
    *audit_urls.urlpatterns,
    *members_urls.urlpatterns,
    *outreach_urls.urlpatterns,
    *newsletters_urls.urlpatterns,
    *surveys_urls.urlpatterns,
    *events_urls.urlpatterns,
    *budgeting_urls.urlpatterns,
    *analysis_urls.urlpatterns,
    *publishing_urls.urlpatterns,
    *recruitment_urls.urlpatterns,
    *settings_urls.urlpatterns,
    *api_urls.urlpatterns,
]
