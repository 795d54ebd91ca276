"""Saved segments moved from surveys to members: the migration keeps every segment and every
sending and newsletter that points at one (the table and its rows are untouched)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from tests.migration_steps import migrate

BEFORE = [("members", "0008_member_list_indexes"), ("surveys", "0006_paper_and_phone"),
          ("newsletters", "0001_initial"), ("events", "0001_initial")]
AFTER = [("members", "0009_segment_moved"), ("surveys", "0007_segment_moved"),
         ("newsletters", "0002_segment_moved"), ("events", "0002_call_segment")]


@pytest.mark.django_db(transaction=True)
def test_segments_and_what_points_at_them_survive_the_move(council):
    old = migrate(BEFORE)
    segment = old.get_model("surveys", "Segment").objects.create(council_id=council.pk, name="Young in Valby",
                                                                 filters={"gender": ["woman"]})
    survey = old.get_model("surveys", "Survey").objects.create(council_id=council.pk, title={"en": "Parks"})
    wave = old.get_model("surveys", "Wave").objects.create(survey=survey, kind="invitation", send_at=timezone.now(),
                                                           segment_id=segment.pk)
    newsletter = old.get_model("newsletters", "Newsletter").objects.create(
        council_id=council.pk, segment_id=segment.pk, subject={"en": "News"}, body={"en": "Text"})
    try:
        new = migrate(AFTER)
        moved = new.get_model("members", "Segment").objects.get(pk=segment.pk)
        assert (moved.name, moved.filters, moved.council_id) == ("Young in Valby", {"gender": ["woman"]}, council.pk)
        assert new.get_model("surveys", "Wave").objects.get(pk=wave.pk).segment.pk == segment.pk
        assert new.get_model("newsletters", "Newsletter").objects.get(pk=newsletter.pk).segment.name == "Young in Valby"
        # Deleting the segment still only unlinks the sending (SET NULL), as before the move
        # (the models as of the move: later migrations add columns the table has not yet).
        new.get_model("members", "Segment").objects.filter(pk=segment.pk).delete()
        assert new.get_model("surveys", "Wave").objects.get(pk=wave.pk).segment_id is None
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
