"""The question every questionnaire is made of. Abstract: each app keeps its questions beside
what owns them (a survey's page, an event's volunteer form), with these fields and behaviour."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from civicpanel.common.models import translated
from civicpanel.questionnaires.kinds import QuestionKind


class QuestionnaireQuestion(models.Model):
    Kind = QuestionKind

    # Stable id that conditions and stored answers point at: survives reordering and rewording.
    uid = models.CharField(max_length=16)
    order = models.PositiveIntegerField(default=0)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    text = models.JSONField(_("question"), default=dict)
    help = models.JSONField(_("help text"), default=dict, blank=True)
    required = models.BooleanField(_("required"), default=False)
    # [{"code": "1", "label": {"da": ..., "en": ...}}, ...] for choices, ranking; matrix rows in `rows`
    options = models.JSONField(default=list, blank=True)
    # kind-specific: max_choices, allow_other, scale_min/scale_max, low_label/high_label, min/max, rows
    settings = models.JSONField(default=dict, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return translated(self.text) or self.uid

    @property
    def label(self) -> str:
        return translated(self.text) or self.uid

    @property
    def answerable(self) -> bool:
        return self.kind != self.Kind.INFO
