import pytest
from django.db import connection, transaction

from civicpanel.audit.models import AuditEvent, AuditLogIsAppendOnly
from civicpanel.audit.services import audit_record

pytestmark = pytest.mark.django_db


def test_events_cannot_be_changed_or_deleted(council):
    event = audit_record(council=council, actor=None, action="member.view", member_ids=[12])
    event.action = "something.else"
    with pytest.raises(AuditLogIsAppendOnly):
        event.save()
    with pytest.raises(AuditLogIsAppendOnly):
        event.delete()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the database trigger exists on PostgreSQL")
def test_database_refuses_update_and_delete(council):
    from django.db import DatabaseError

    audit_record(council=council, actor=None, action="member.view", member_ids=[12])
    for statement in ("UPDATE audit_auditevent SET action = 'x'", "DELETE FROM audit_auditevent"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    assert AuditEvent.objects.filter(action="member.view").count() == 1


def test_admin_reads_and_filters_the_log(council, staff_client):
    client = staff_client("admin")
    audit_record(council=council, actor=client.user, action="member.view", member_ids=[12])
    audit_record(council=council, actor=client.user, action="member.export", member_ids=[123, 7])
    audit_record(council=council, actor=client.user, action="survey.send")
    page = _rows(client.get("/staff/audit/", {"member": 12}))
    assert "member.view" in page and "member.export" not in page  # 123 is not 12
    page = _rows(client.get("/staff/audit/", {"action": "survey.send"}))
    assert "survey.send" in page and "member.view" not in page


def _rows(response) -> str:
    html = response.content.decode()
    return html[html.index("<tbody>"):html.index("</tbody>")]


def test_other_councils_events_are_not_shown(council, other_council, staff_client):
    audit_record(council=other_council, actor=None, action="secret.action")
    assert "secret.action" not in staff_client("admin").get("/staff/audit/").content.decode()
