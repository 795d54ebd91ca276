"""Writes behind the council admin's settings pages: districts, profile questions and their
options, consent versions and recruitment campaigns. Each opens its transaction and writes
its audit row; a refused change raises ValidationError with a message for the admin."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.text import slugify
from django.utils.translation import gettext as _

from civicpanel.audit.services import audit_record
from civicpanel.panel.defaults import age_band_label, district_options_sync
from civicpanel.panel.models import (
    Campaign,
    ConsentVersion,
    PopulationFigure,
    ProfileOption,
    ProfileQuestion,
)
from civicpanel.tenancy.models import Council, District
from civicpanel.tenancy.services import council_settings_update

Kind = ProfileQuestion.Kind
# Kinds whose options the admin edits directly; age bands and districts have their own rules.
CHOICE_KINDS = (Kind.SINGLE, Kind.MULTI)


def _move(items: list, item, direction: str) -> list | None:
    """Return the list with `item` moved one place up or down, or None if it cannot move."""
    index = next(i for i, x in enumerate(items) if x.pk == item.pk)
    target = index - 1 if direction == "up" else index + 1
    if direction not in ("up", "down") or not 0 <= target < len(items):
        return None
    items[index], items[target] = items[target], items[index]
    return items


def _renumber(items: list, *, start: int = 0) -> None:
    for order, obj in enumerate(items, start=start):
        if obj.order != order:
            obj.order = order
            obj.save(update_fields=["order"])


# --- general settings ------------------------------------------------------------------------

def council_general_update(*, council: Council, actor, changes: dict, request=None) -> list[str]:
    """Save the general settings; when the minimum age changes, the youngest age band follows it.

    Returns the names of what changed ("age_bands" when the bands were adjusted too).
    """
    with transaction.atomic():
        changed = council_settings_update(council=council, actor=actor, changes=changes, request=request)
        if "minimum_age" in changed:
            council.refresh_from_db(fields=["minimum_age"])
            if age_bands_follow_minimum_age(council=council, actor=actor, request=request):
                changed.append("age_bands")
    return changed


def age_bands_follow_minimum_age(*, council: Council, actor, request=None) -> bool:
    """Make the youngest age band start at the council's minimum age (bands entirely below it go).

    A band whose ages change loses its population figure: the count was for other ages and has
    to be entered again. Birth years are stored on the member, so no answer is lost.
    """
    question = ProfileQuestion.objects.filter(council=council, kind=Kind.BIRTH_YEAR).first()
    if question is None:
        return False
    minimum = council.minimum_age
    bands = list(question.options.exclude(min_age=None).order_by("min_age", "order"))
    detail: dict = {"minimum_age": minimum, "removed": [], "changed": []}
    for band in [b for b in bands if b.max_age is not None and b.max_age < minimum]:
        detail["removed"].append(band.code)
        band.delete()
        bands.remove(band)
    if bands and bands[0].min_age != minimum:
        band = bands[0]
        standard_label = band.label == age_band_label(band.min_age, band.max_age)
        old_code = band.code
        band.min_age = minimum
        code = f"{minimum}-{band.max_age}"
        if not question.options.filter(code=code).exclude(pk=band.pk).exists():
            band.code = code
        if standard_label:
            band.label = age_band_label(minimum, band.max_age)
        band.save(update_fields=["min_age", "code", "label"])
        PopulationFigure.objects.filter(council=council, option=band).delete()
        detail["changed"].append({"from": old_code, "to": band.code})
    if not detail["removed"] and not detail["changed"]:
        return False
    _renumber(list(question.options.order_by("order", "id")))
    audit_record(council=council, actor=actor, action="profile_question.age_bands_follow", target=question,
                 detail=detail, request=request)
    return True


# --- districts -------------------------------------------------------------------------------

def _check_option_code_free(council: Council, name: str) -> None:
    """The district's profile option gets a code from its name; two names that differ only in
    punctuation or case would collide."""
    code = slugify(name)[:50]
    if ProfileOption.objects.filter(question__council=council, question__kind=Kind.DISTRICT, code=code).exists():
        raise ValidationError(_("This name is too close to an existing district's name."))


def district_add(*, council: Council, actor, name: str, postal_codes: list[str], request=None) -> District:
    name = name.strip()
    with transaction.atomic():
        if District.objects.filter(council=council, name__iexact=name).exists():
            raise ValidationError(_("There is already a district with this name."))
        _check_option_code_free(council, name)
        order = (District.objects.filter(council=council).aggregate(m=Max("order"))["m"] or 0) + 1
        district = District.objects.create(council=council, name=name, postal_codes=postal_codes, order=order)
        district_options_sync(council=council)
        audit_record(council=council, actor=actor, action="district.add", target=district,
                     detail={"name": name, "postal_codes": postal_codes}, request=request)
    return district


def district_update(*, council: Council, actor, district: District, name: str, postal_codes: list[str],
                    request=None) -> District:
    name = name.strip()
    with transaction.atomic():
        district = District.objects.select_for_update().get(pk=district.pk, council=council)
        if District.objects.filter(council=council, name__iexact=name).exclude(pk=district.pk).exists():
            raise ValidationError(_("There is already a district with this name."))
        detail = {}
        if district.name != name:
            detail["name"] = {"from": district.name, "to": name}
        if district.postal_codes != postal_codes:
            detail["postal_codes"] = {"from": district.postal_codes, "to": postal_codes}
        if not detail:
            return district
        district.name, district.postal_codes = name, postal_codes
        district.save(update_fields=["name", "postal_codes"])
        district_options_sync(council=council)
        audit_record(council=council, actor=actor, action="district.update", target=district, detail=detail,
                     request=request)
    return district


def district_move(*, council: Council, actor, district: District, direction: str, request=None) -> None:
    with transaction.atomic():
        districts = list(District.objects.select_for_update().filter(council=council).order_by("order", "name"))
        moved = _move(districts, district, direction)
        if moved is None:
            return
        _renumber(moved, start=1)
        district_options_sync(council=council)
        audit_record(council=council, actor=actor, action="district.move", target=district,
                     detail={"direction": direction}, request=request)


def district_members_count(*, council: Council, district: District) -> int:
    """Members who live in the district or chose its profile option (read through the relations
    members keep to districts and options, since members sit above this app)."""
    living = set(district.members.filter(council=council).values_list("pk", flat=True))
    option = getattr(district, "profile_option", None)
    choosing = set(option.answers.values_list("member_id", flat=True)) if option is not None else set()
    return len(living | choosing)


def district_delete(*, council: Council, actor, district: District, request=None) -> None:
    """Delete a district nobody belongs to. Its profile option and population figure go with it."""
    with transaction.atomic():
        district = District.objects.select_for_update().get(pk=district.pk, council=council)
        count = district_members_count(council=council, district=district)
        if count:
            raise ValidationError(
                _("%(name)s cannot be deleted: %(count)d member(s) belong to it. Move them to another "
                  "district first, or keep the district."),
                params={"name": district.name, "count": count},
            )
        name = district.name
        audit_record(council=council, actor=actor, action="district.delete", target=district,
                     detail={"name": name, "postal_codes": district.postal_codes}, request=request)
        district.delete()
        _renumber(list(District.objects.filter(council=council).order_by("order", "name")), start=1)
        district_options_sync(council=council)


# --- profile questions -----------------------------------------------------------------------

def _question(council: Council, question: ProfileQuestion) -> ProfileQuestion:
    return ProfileQuestion.objects.select_for_update().get(pk=question.pk, council=council)


def profile_question_update(*, council: Council, actor, question: ProfileQuestion, label: dict[str, str],
                            required: bool, active: bool, request=None) -> ProfileQuestion:
    with transaction.atomic():
        question = _question(council, question)
        if active and not question.active and question.kind in CHOICE_KINDS and question.options.count() < 2:
            raise ValidationError(_("Add at least two options before you make this question active."))
        label = {**question.label, **label}
        detail = {}
        for field, value in (("label", label), ("required", required), ("active", active)):
            if getattr(question, field) != value:
                detail[field] = {"from": getattr(question, field), "to": value}
                setattr(question, field, value)
        if detail:
            question.save(update_fields=list(detail))
            audit_record(council=council, actor=actor, action="profile_question.update", target=question,
                         detail=detail, request=request)
    return question


def profile_question_move(*, council: Council, actor, question: ProfileQuestion, direction: str,
                          request=None) -> None:
    with transaction.atomic():
        questions = list(ProfileQuestion.objects.select_for_update().filter(council=council).order_by("order", "id"))
        moved = _move(questions, question, direction)
        if moved is None:
            return
        _renumber(moved)
        audit_record(council=council, actor=actor, action="profile_question.move", target=question,
                     detail={"direction": direction}, request=request)


def profile_question_add(*, council: Council, actor, key: str, kind: str, label: dict[str, str],
                         required: bool, request=None) -> ProfileQuestion:
    """A custom choice question. It starts inactive: members see it once it has its options
    and the admin makes it active."""
    if kind not in CHOICE_KINDS:
        raise ValidationError(_("A new question is single choice or multiple choice."))
    with transaction.atomic():
        if ProfileQuestion.objects.filter(council=council, key=key).exists():
            raise ValidationError(_("There is already a question with the key %(key)s."), params={"key": key})
        order = (ProfileQuestion.objects.filter(council=council).aggregate(m=Max("order"))["m"] or 0) + 1
        question = ProfileQuestion.objects.create(council=council, key=key, kind=kind, label=label,
                                                  required=required, active=False, order=order)
        audit_record(council=council, actor=actor, action="profile_question.add", target=question,
                     detail={"key": key, "kind": kind}, request=request)
    return question


def profile_option_add(*, council: Council, actor, question: ProfileQuestion, code: str,
                       label: dict[str, str], request=None) -> ProfileOption:
    with transaction.atomic():
        question = _question(council, question)
        if question.kind not in CHOICE_KINDS:
            raise ValidationError(_("Options of this question are managed elsewhere (districts or age bands)."))
        if question.options.filter(code=code).exists():
            raise ValidationError(_("This question already has an option with the code %(code)s."),
                                  params={"code": code})
        order = (question.options.aggregate(m=Max("order"))["m"] or 0) + 1
        option = ProfileOption.objects.create(question=question, code=code, label=label, order=order)
        audit_record(council=council, actor=actor, action="profile_option.add", target=option,
                     detail={"question": question.key, "code": code}, request=request)
    return option


def _option(council: Council, option: ProfileOption) -> ProfileOption:
    return ProfileOption.objects.select_for_update().select_related("question").get(
        pk=option.pk, question__council=council)


def profile_option_update(*, council: Council, actor, option: ProfileOption, label: dict[str, str],
                          request=None) -> ProfileOption:
    with transaction.atomic():
        option = _option(council, option)
        if option.question.kind == Kind.DISTRICT:
            raise ValidationError(_("District options take their name from the district; rename the district."))
        label = {**option.label, **label}
        if label != option.label:
            audit_record(council=council, actor=actor, action="profile_option.update", target=option,
                         detail={"label": {"from": option.label, "to": label}}, request=request)
            option.label = label
            option.save(update_fields=["label"])
    return option


def profile_option_move(*, council: Council, actor, option: ProfileOption, direction: str, request=None) -> None:
    with transaction.atomic():
        option = _option(council, option)
        if option.question.kind == Kind.DISTRICT:
            raise ValidationError(_("District options follow the order of the districts."))
        options = list(option.question.options.order_by("order", "id"))
        moved = _move(options, option, direction)
        if moved is None:
            return
        _renumber(moved)
        audit_record(council=council, actor=actor, action="profile_option.move", target=option,
                     detail={"direction": direction}, request=request)


def profile_option_answer_count(*, council: Council, option: ProfileOption) -> int:
    return option.answers.filter(member__council=council).count()


def profile_option_remove(*, council: Council, actor, option: ProfileOption, request=None) -> None:
    """Remove an option nobody chose. An option members chose is refused: removing it would
    silently change their profiles, and earlier results would lose their category."""
    with transaction.atomic():
        option = _option(council, option)
        if option.question.kind not in CHOICE_KINDS:
            raise ValidationError(_("Options of this question are managed elsewhere (districts or age bands)."))
        count = profile_option_answer_count(council=council, option=option)
        if count:
            raise ValidationError(
                _("%(option)s cannot be removed: %(count)d member(s) chose it. You can rename it instead."),
                params={"option": option.text, "count": count},
            )
        audit_record(council=council, actor=actor, action="profile_option.remove", target=option,
                     detail={"question": option.question.key, "code": option.code, "label": option.label},
                     request=request)
        question = option.question
        option.delete()
        _renumber(list(question.options.order_by("order", "id")))


# --- consent ---------------------------------------------------------------------------------

def consent_version_publish(*, council: Council, actor, text: dict[str, str], covers_news: bool,
                            request=None) -> ConsentVersion:
    """Publish the consent text as a new version (the old ones stay exactly as they were, since
    each member's consent points at the words they agreed to). Members are asked to renew.

    `covers_news`: the text asks consent to e-mail news and results; news e-mail goes only to
    members whose agreed version does (outreach.sending.news_consented). The same words may be
    published again to say that they do."""
    text = {lang: body.strip() for lang, body in text.items() if body and body.strip()}
    if not text:
        raise ValidationError(_("Write the consent text."))
    with transaction.atomic():
        # Lock the council row so two admins publishing at once get versions n+1 and n+2.
        Council.objects.select_for_update().get(pk=council.pk)
        current = ConsentVersion.objects.filter(council=council).order_by("-version").first()
        if current is not None and current.text == text and current.covers_news == covers_news:
            raise ValidationError(_("This text is the same as the current version; nothing was published."))
        version = ConsentVersion.objects.create(
            council=council, version=(current.version if current else 0) + 1, text=text, created_by=actor,
            covers_news=covers_news,
        )
        audit_record(council=council, actor=actor, action="consent.publish", target=version,
                     detail={"version": version.version, "covers_news": covers_news}, request=request)
    return version


# --- campaigns -------------------------------------------------------------------------------

def campaign_add(*, council: Council, actor, code: str, name: str, channel: str, request=None) -> Campaign:
    if channel not in Campaign.Channel.values:
        raise ValidationError(_("Unknown channel."))
    try:
        with transaction.atomic():
            if Campaign.objects.filter(council=council, code=code).exists():
                raise ValidationError(_("There is already a campaign with the code %(code)s."), params={"code": code})
            campaign = Campaign.objects.create(council=council, code=code, name=name.strip(), channel=channel)
            audit_record(council=council, actor=actor, action="campaign.add", target=campaign,
                         detail={"code": code, "channel": channel}, request=request)
    except IntegrityError as error:  # a double submit racing the check above
        raise ValidationError(_("There is already a campaign with the code %(code)s."), params={"code": code}) from error
    return campaign
