"""A member's background profile: the form fields for a council's profile questions, and
reading and writing a member's answers.

Shared by the public sign-up, the member's self-service pages, staff editing and the CSV
import, so that every way in validates the same way.

Value format (the same for `profile_fields` cleaned data, `member_profile_set` and
`member_profile_get`), keyed by the question's key:

- single choice: the option code ("" or None when unanswered)
- multiple choice: a list of option codes
- birth year question: an int (or None); stored on ``Member.birth_year``. The age band is
  not stored, it follows from the birth year (`age_band_option`).
- district question: the code of the district's option (or "" / None); stored on
  ``Member.district``, plus the extra key ``"postal_code"`` stored on ``Member.postal_code``.
  A postal code alone is enough when it belongs to exactly one district.

Only single and multiple choice questions are stored as MemberAnswer rows.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicpanel.common.models import translated
from civicpanel.members.categories import profiles_changed
from civicpanel.members.models import Member, MemberAnswer
from civicpanel.panel.models import POSTAL_CODE_FIELD, ProfileOption, ProfileQuestion

MAX_AGE = 120


def active_questions(council) -> list[ProfileQuestion]:
    """The council's active questions with their options, in order (two queries)."""
    return list(
        ProfileQuestion.objects.filter(council=council, active=True)
        .prefetch_related("options", "options__district")
        .order_by("order", "id")
    )


def birth_year_bounds(council, *, today: datetime.date | None = None) -> tuple[int, int]:
    """(earliest, latest) accepted birth year: at most 120 and at least the council's minimum
    age this calendar year."""
    year = (today or timezone.localdate()).year
    return year - MAX_AGE, year - council.minimum_age


def _postal_codes(council) -> dict[str, list]:
    """postal code -> the council's districts that include it."""
    codes: dict[str, list] = {}
    for district in council.districts.all():
        for code in district.postal_codes or []:
            codes.setdefault(str(code).strip(), []).append(district)
    return codes


def profile_fields(council, *, language: str | None = None,
                   questions: Iterable[ProfileQuestion] | None = None) -> dict[str, forms.Field]:
    """Form fields for the council's active profile questions, keyed as described above.

    The district question gives two fields, the district choice and ``postal_code``; which of
    them is needed is checked by `profile_validate` (call it from the form's ``clean``).
    """
    fields: dict[str, forms.Field] = {}
    questions = list(questions) if questions is not None else active_questions(council)
    for question in questions:
        label = translated(question.label, language) or question.key
        if question.kind == ProfileQuestion.Kind.SINGLE:
            fields[question.key] = forms.ChoiceField(
                label=label, required=question.required, widget=forms.RadioSelect,
                error_messages={"required": _("Please choose an answer."),
                                "invalid_choice": _("Please choose one of the answers.")},
                help_text="" if question.required else _("Optional."),
                choices=[(o.code, translated(o.label, language) or o.code) for o in question.options.all()],
            )
        elif question.kind == ProfileQuestion.Kind.MULTI:
            fields[question.key] = forms.MultipleChoiceField(
                label=label, required=question.required, widget=forms.CheckboxSelectMultiple,
                error_messages={"required": _("Please choose at least one answer."),
                                "invalid_choice": _("Please choose among the answers shown.")},
                help_text=_("Choose as many as you like.") if question.required
                else _("Optional. Choose as many as you like."),
                choices=[(o.code, translated(o.label, language) or o.code) for o in question.options.all()],
            )
        elif question.kind == ProfileQuestion.Kind.BIRTH_YEAR:
            earliest, latest = birth_year_bounds(council)
            fields[question.key] = forms.IntegerField(
                label=label, required=question.required, min_value=earliest, max_value=latest,
                help_text=_("For example 1984. You must be at least %(age)s years old this year.")
                % {"age": council.minimum_age},
                widget=forms.NumberInput(attrs={"inputmode": "numeric", "autocomplete": "bday-year"}),
                error_messages={
                    # Pre-formatted: Django formats these again with %(limit_value)s only.
                    "max_value": str(_("The panel is open from the age of %(age)s; you can join in the year you turn %(age)s.")
                                     % {"age": council.minimum_age}).replace("%", "%%"),
                    "min_value": str(_("Please check the year: it is more than %(age)s years ago.")
                                     % {"age": MAX_AGE}).replace("%", "%%"),
                    "invalid": _("Please give the year as four digits, for example 1984."),
                    "required": _("Please give your year of birth."),
                },
            )
        elif question.kind == ProfileQuestion.Kind.DISTRICT:
            options = [o for o in question.options.all() if o.district_id]
            fields[question.key] = forms.ChoiceField(
                label=label, required=False,
                choices=[("", _("Choose from the postal code"))]
                + [(o.code, translated(o.label, language) or o.code) for o in options],
                help_text=_("Choose your district, or give your postal code below."),
            )
            fields[POSTAL_CODE_FIELD] = forms.CharField(
                label=_("Postal code"), required=False, max_length=10,
                widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "postal-code"}),
            )
    return fields


def profile_validate(council, values: dict, *, questions: Iterable[ProfileQuestion] | None = None,
                     partial: bool = False, name_questions: bool = True) -> dict:
    """Check the values for the council's questions and return them normalised.

    Raises ValidationError with a dict {field name: [message]}; each message starts with the
    question ("Gender: ...") unless ``name_questions=False`` (a form shows the message beside
    the question already). With ``partial=True`` only the questions whose key is present are
    checked (CSV import of a few columns, for instance).
    """
    questions = list(questions) if questions is not None else active_questions(council)
    errors: dict[str, list] = {}
    cleaned: dict = {}
    for question in questions:
        key = question.key
        present = key in values or (question.kind == ProfileQuestion.Kind.DISTRICT and POSTAL_CODE_FIELD in values)
        if partial and not present:
            continue
        value = values.get(key)
        name = question.text
        options = {o.code: o for o in question.options.all()}
        if question.kind == ProfileQuestion.Kind.SINGLE:
            value = (value or "").strip() if isinstance(value, str) else value
            if not value:
                if question.required:
                    errors[key] = [_("%(question)s: please choose an answer.") % {"question": name}]
                cleaned[key] = None
            elif value not in options:
                errors[key] = [_("%(question)s: “%(value)s” is not one of the answers.")
                               % {"question": name, "value": value}]
            else:
                cleaned[key] = value
        elif question.kind == ProfileQuestion.Kind.MULTI:
            if isinstance(value, str):
                value = [v for v in (part.strip() for part in value.replace(";", ",").split(",")) if v]
            value = list(dict.fromkeys(value or []))
            unknown = [v for v in value if v not in options]
            if unknown:
                errors[key] = [_("%(question)s: “%(value)s” is not one of the answers.")
                               % {"question": name, "value": ", ".join(unknown)}]
            elif question.required and not value:
                errors[key] = [_("%(question)s: please choose at least one answer.") % {"question": name}]
            else:
                cleaned[key] = value
        elif question.kind == ProfileQuestion.Kind.BIRTH_YEAR:
            earliest, latest = birth_year_bounds(council)
            if value in (None, ""):
                if question.required:
                    errors[key] = [_("%(question)s: please give your year of birth.") % {"question": name}]
                cleaned[key] = None
                continue
            try:
                year = int(value)
            except (TypeError, ValueError):
                errors[key] = [_("%(question)s: “%(value)s” is not a year.") % {"question": name, "value": value}]
                continue
            if year > latest:
                errors[key] = [_("%(question)s: the panel is open from the age of %(age)s.")
                               % {"question": name, "age": council.minimum_age}]
            elif year < earliest:
                errors[key] = [_("%(question)s: %(value)s is not a plausible year of birth.")
                               % {"question": name, "value": year}]
            else:
                cleaned[key] = year
        elif question.kind == ProfileQuestion.Kind.DISTRICT:
            code = (value or "").strip() if isinstance(value, str) else (value or "")
            postal = str(values.get(POSTAL_CODE_FIELD) or "").replace(" ", "").strip()
            by_postal = _postal_codes(council)
            option = options.get(code) if code else None
            if code and (option is None or option.district_id is None):
                errors[key] = [_("%(question)s: “%(value)s” is not one of the districts.")
                               % {"question": name, "value": code}]
                continue
            if postal and postal not in by_postal:
                errors[POSTAL_CODE_FIELD] = [
                    _("Postal code %(code)s is not in the area of %(council)s.") % {"code": postal, "council": council.name}
                ]
                continue
            if option is not None and postal and option.district not in by_postal[postal]:
                errors[POSTAL_CODE_FIELD] = [
                    _("Postal code %(code)s is not in %(district)s. Check the postal code or the district.")
                    % {"code": postal, "district": option.text}
                ]
                continue
            if option is None and postal:
                districts = by_postal[postal]
                if len(districts) == 1:
                    option = next((o for o in options.values() if o.district_id == districts[0].pk), None)
                else:
                    errors[key] = [_("%(question)s: postal code %(code)s covers several districts; please choose yours.")
                                   % {"question": name, "code": postal}]
                    continue
            if option is None and question.required:
                errors[key] = [_("%(question)s: choose your district or give your postal code.") % {"question": name}]
                continue
            cleaned[key] = option.code if option is not None else None
            cleaned[POSTAL_CODE_FIELD] = postal
    if errors:
        if not name_questions:
            prefixes = tuple(f"{q.text}: " for q in questions)
            errors = {key: [_strip_prefix(str(m), prefixes) for m in messages] for key, messages in errors.items()}
        raise ValidationError(errors)
    return cleaned


def _strip_prefix(message: str, prefixes: tuple[str, ...]) -> str:
    for prefix in prefixes:
        if message.startswith(prefix):
            rest = message[len(prefix):]
            return rest[:1].upper() + rest[1:]
    return message


def member_profile_set(*, member: Member, values: dict, partial: bool = True) -> None:
    """Validate and store profile values on the member and its MemberAnswer rows.

    Answers of the questions present in ``values`` replace the earlier ones; other questions
    are left alone (unless ``partial=False``, which also requires every required question).
    Raises ValidationError naming the question; nothing is written then.
    """
    council = member.council
    questions = active_questions(council)
    cleaned = profile_validate(council, values, questions=questions, partial=partial)
    member_fields: set[str] = set()
    replace_questions: list[ProfileQuestion] = []
    new_answers: list[MemberAnswer] = []
    for question in questions:
        if question.key not in cleaned:
            continue
        value = cleaned[question.key]
        options = {o.code: o for o in question.options.all()}
        if question.kind == ProfileQuestion.Kind.BIRTH_YEAR:
            member.birth_year = value
            member_fields.add("birth_year")
        elif question.kind == ProfileQuestion.Kind.DISTRICT:
            member.district = options[value].district if value else None
            member.postal_code = cleaned.get(POSTAL_CODE_FIELD, "") or ""
            member_fields.update({"district", "postal_code"})
        else:
            codes = value if isinstance(value, list) else ([value] if value else [])
            replace_questions.append(question)
            new_answers.extend(MemberAnswer(member=member, question=question, option=options[c]) for c in codes)
    with transaction.atomic():
        council_id = member.council_id
        transaction.on_commit(lambda: profiles_changed(council_id=council_id))
        if member_fields:
            member.save(update_fields=sorted(member_fields))
        if replace_questions:
            MemberAnswer.objects.filter(member=member, question__in=replace_questions).delete()
            MemberAnswer.objects.bulk_create(new_answers)


def member_profile_get(member: Member, *, questions: Iterable[ProfileQuestion] | None = None) -> dict:
    """The member's profile as {question key: value(s)} (plus "postal_code"), the format
    `profile_fields` and `member_profile_set` use, so it serves as a form's initial data."""
    questions = list(questions) if questions is not None else active_questions(member.council)
    chosen: dict[int, list[str]] = {}
    for question_id, code in MemberAnswer.objects.filter(member=member).values_list("question_id", "option__code"):
        chosen.setdefault(question_id, []).append(code)
    result: dict = {}
    for question in questions:
        if question.kind == ProfileQuestion.Kind.BIRTH_YEAR:
            result[question.key] = member.birth_year
        elif question.kind == ProfileQuestion.Kind.DISTRICT:
            option = next((o for o in question.options.all() if o.district_id and o.district_id == member.district_id), None)
            result[question.key] = option.code if option else None
            result[POSTAL_CODE_FIELD] = member.postal_code
        elif question.kind == ProfileQuestion.Kind.MULTI:
            codes = set(chosen.get(question.pk, []))
            result[question.key] = [o.code for o in question.options.all() if o.code in codes]
        else:
            codes = chosen.get(question.pk, [])
            result[question.key] = codes[0] if codes else None
    return result


def age_band_option(council, birth_year: int | None, on: datetime.date | None = None) -> ProfileOption | None:
    """The age-band option of the council's birth-year question for someone born in
    ``birth_year``, by their age in the calendar year of ``on`` (today by default)."""
    if birth_year is None:
        return None
    age = (on or timezone.localdate()).year - birth_year
    return (
        ProfileOption.objects.filter(question__council=council, question__kind=ProfileQuestion.Kind.BIRTH_YEAR,
                                     min_age__lte=age, max_age__gte=age)
        .order_by("question__order", "order")
        .first()
    )
