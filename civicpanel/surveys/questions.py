"""The question kinds live in questionnaires.kinds (event registration questions use them too);
surveys keeps importing them from here."""

from civicpanel.questionnaires.kinds import (  # noqa: F401 - the surveys' names for the shared code
    CHOICE_KINDS,
    LONG_TEXT_MAX,
    NUMERIC_KINDS,
    OTHER_CODE,
    SHORT_TEXT_MAX,
    TEXT_KINDS,
    Kind,
    Parsed,
    answer_display,
    field_name,
    option_codes,
    option_label,
    parse_answer,
    question_view,
    rows,
    scale_points,
    settings_problems,
)
