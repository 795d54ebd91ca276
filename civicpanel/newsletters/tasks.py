"""Background work of the newsletters app: the test e-mail to a staff member."""

from __future__ import annotations

from django.tasks import task
from django.utils.translation import gettext as _
from django.utils.translation import override

from civicpanel.common.mail import deliver


@task(queue_name="mail")
def newsletter_test_deliver(newsletter_id: int, user_id: int, language: str) -> None:
    """One language version of a newsletter to the staff member who asked, marked as a test.
    The newsletter is read afresh, so the test shows the text as it is when the worker runs."""
    from civicpanel.accounts.models import User
    from civicpanel.newsletters.compose import compose_example
    from civicpanel.newsletters.models import Newsletter

    newsletter = Newsletter.objects.select_related("council").filter(pk=newsletter_id).first()
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if newsletter is None or user is None or not user.email:
        return
    council = newsletter.council
    composed = compose_example(council=council, language=language, subject=newsletter.subject.get(language, ""),
                               body=newsletter.body.get(language, ""))
    with override(language):
        subject = _("[Test] %(subject)s") % {"subject": composed.subject}
    deliver(council=council, to=user.email, subject=subject, body=composed.text, html=composed.html)
