"""Bringing an existing list of residents into the panel from a CSV file.

Two steps: `import_check` reads the file and reports, line by line, what is wrong and what
would be imported, writing nothing; `members_import` checks again against the database as it
is then and imports everything in one transaction, or nothing. Bad lines block the import
unless the staff member explicitly chose to skip them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicpanel.audit.services import audit_record
from civicpanel.common.crypto import blind_index
from civicpanel.common.csvio import CsvInputError, read_csv_upload
from civicpanel.members import selectors
from civicpanel.members.consent import consent_record_build
from civicpanel.members.contact import clean_phone, clean_postal_address
from civicpanel.members.models import ConsentRecord, Member, MemberAnswer
from civicpanel.members.profile import MAX_AGE
from civicpanel.members.services import members_confirmation_invite
from civicpanel.panel.models import ConsentVersion, ProfileQuestion

FIXED_COLUMNS = ["email", "name", "language", "postal_code", "postal_address", "phone"]
MULTI_SEPARATOR = "|"
IMPORT_SOURCE = "import"


class ImportRefused(Exception):
    """The file has bad lines and skipping them was not chosen, or it cannot be read."""

    def __init__(self, message: str, report: ImportReport | None = None):
        super().__init__(message)
        self.report = report


@dataclass
class ImportLine:
    number: int
    email: str = ""
    name: str = ""
    errors: list[str] = field(default_factory=list)
    empty: bool = False
    existing_member_id: int | None = None
    # What would be stored, worked out during the check.
    language: str = ""
    birth_year: int | None = None
    postal_code: str = ""
    postal_address: str = ""  # lines separated by line breaks (a cell with Alt+Enter in Excel)
    phone: str = ""
    district_id: int | None = None
    option_ids: list[tuple[int, int]] = field(default_factory=list)  # (question id, option id)
    summary: list[str] = field(default_factory=list)  # "Gender: Woman", for the report

    @property
    def ok(self) -> bool:
        return not self.errors and not self.empty


@dataclass
class ImportReport:
    filename: str
    header: list[str]
    ignored_columns: list[str]
    lines: list[ImportLine]

    @property
    def good(self) -> list[ImportLine]:
        return [line for line in self.lines if line.ok]

    @property
    def bad(self) -> list[ImportLine]:
        return [line for line in self.lines if line.errors]

    @property
    def empty(self) -> list[ImportLine]:
        return [line for line in self.lines if line.empty]


@dataclass
class ImportResult:
    count: int
    skipped_lines: list[int]
    member_ids: list[int]
    status: str
    invited: int = 0


def import_columns(*, council) -> list[tuple[str, ProfileQuestion | None]]:
    """The columns the import reads, in template order: (column name, question or None)."""
    questions = [q for q in selectors.profile_questions(council=council) if q.active]
    return [(name, None) for name in FIXED_COLUMNS] + [(q.key, q) for q in questions]


def _option_lookup(question: ProfileQuestion) -> dict[str, object]:
    """Code or label in any language (case-insensitive) -> option. Codes win over labels."""
    lookup: dict[str, object] = {}
    for option in question.options.all():
        for text in (option.label or {}).values():
            if text:
                lookup.setdefault(str(text).strip().casefold(), option)
        if option.district_id and option.district is not None:
            lookup.setdefault(option.district.name.casefold(), option)
    for option in question.options.all():
        lookup[option.code.casefold()] = option
    return lookup


def import_check(*, council, data: bytes, filename: str = "file") -> ImportReport:
    """Read the CSV and say, for every line, what is wrong or what would be imported.
    Writes nothing. Raises ImportRefused if the file cannot be read at all."""
    try:
        header, rows = read_csv_upload(data, required=["email"], filename=filename)
    except CsvInputError as error:
        raise ImportRefused(str(error)) from error

    questions = [q for q in selectors.profile_questions(council=council) if q.active]
    by_key = {q.key: q for q in questions}
    known = set(FIXED_COLUMNS) | {key.lower() for key in by_key}
    ignored = [column for column in header if column and column not in known]
    lookups = {q.key: _option_lookup(q) for q in questions if q.kind != ProfileQuestion.Kind.BIRTH_YEAR}
    districts = list(council.districts.all())
    postal_districts: dict[str, set[int]] = {}
    for district in districts:
        for code in district.postal_codes or []:
            postal_districts.setdefault(str(code).replace(" ", "").strip(), set()).add(district.pk)
    # Addresses are encrypted; the blind index (HMAC of the lower-cased address) finds them.
    existing = dict(
        Member.objects.filter(council=council, email_hash__isnull=False).values_list("email_hash", "pk")
    )
    year = timezone.localdate().year
    latest_year, earliest_year = year - council.minimum_age, year - MAX_AGE
    seen: dict[str, int] = {}

    lines: list[ImportLine] = []
    for number, row in rows:
        line = ImportLine(number=number)
        lines.append(line)
        if not row:
            line.empty = True
            continue
        errors = line.errors
        email = row.get("email", "").strip()
        line.email = email[:254]  # as written, until it is known to be valid
        line.name = row.get("name", "").strip()[:200]
        if not email:
            errors.append(_("missing e-mail"))
        else:
            try:
                validate_email(email)
            except ValidationError:
                errors.append(_("invalid e-mail “%(email)s”") % {"email": email})
            else:
                email = email.lower()
                line.email = email
                if email in seen:
                    errors.append(_("duplicate within the file: the same e-mail as line %(line)s") % {"line": seen[email]})
                else:
                    seen[email] = number
                known = existing.get(blind_index(email))
                if known is not None:
                    line.existing_member_id = known
                    errors.append(_("already a member (number %(number)s)") % {"number": known})

        language = row.get("language", "").strip().lower()
        if language == "no":
            language = "nb"
        if language and language not in council.language_codes:
            errors.append(_("unknown language “%(value)s” (use %(codes)s)")
                          % {"value": language, "codes": ", ".join(council.language_codes)})
        line.language = language or council.default_language

        postal = row.get("postal_code", "").replace(" ", "").strip()
        if postal and postal_districts and postal not in postal_districts:
            errors.append(_("postal code %(code)s is outside %(council)s") % {"code": postal, "council": council.name})
        line.postal_code = postal[:10]
        for column, clean in (("postal_address", clean_postal_address), ("phone", clean_phone)):
            try:
                setattr(line, column, clean(row.get(column, "")))
            except ValidationError as error:
                errors.extend(error.messages)

        for question in questions:
            raw = row.get(question.key.lower(), "").strip()  # the header is read lower-cased
            if not raw:
                continue
            if question.kind == ProfileQuestion.Kind.BIRTH_YEAR:
                try:
                    # A spreadsheet may write 1984 as "1984.0".
                    number = float(raw.replace(",", "."))
                    if not number.is_integer():
                        raise ValueError(raw)
                    birth_year = int(number)
                except ValueError:
                    errors.append(_("“%(value)s” is not a year of birth (question “%(question)s”)")
                                  % {"value": raw, "question": question.text})
                    continue
                if birth_year > latest_year:
                    errors.append(_("born in %(year)s: younger than the council's minimum age of %(age)s")
                                  % {"year": birth_year, "age": council.minimum_age})
                elif birth_year < earliest_year:
                    errors.append(_("%(year)s is not a plausible year of birth") % {"year": birth_year})
                else:
                    line.birth_year = birth_year
                    band = selectors.age_band_for(birth_year, question.options.all())
                    line.summary.append(f"{question.text}: {birth_year}" + (f" ({band.text})" if band else ""))
                continue
            values = [v.strip() for v in raw.split(MULTI_SEPARATOR) if v.strip()]
            if question.kind != ProfileQuestion.Kind.MULTI and len(values) > 1:
                errors.append(_("only one answer allowed for question “%(question)s”, found “%(value)s”")
                              % {"question": question.text, "value": raw})
                continue
            options = []
            for value in values:
                option = lookups[question.key].get(value.casefold())
                if option is None:
                    errors.append(_("unknown category “%(value)s” for question “%(question)s”")
                                  % {"value": value, "question": question.text})
                else:
                    options.append(option)
            if len(options) != len(values):
                continue
            if question.kind == ProfileQuestion.Kind.DISTRICT:
                option = options[0]
                if postal and postal in postal_districts and option.district_id not in postal_districts[postal]:
                    errors.append(_("postal code %(code)s is not in the district %(district)s")
                                  % {"code": postal, "district": option.text})
                    continue
                line.district_id = option.district_id
            else:
                line.option_ids.extend((question.pk, option.pk) for option in dict.fromkeys(options))
            line.summary.append(f"{question.text}: {', '.join(o.text for o in dict.fromkeys(options))}")

        district_question = next((q for q in questions if q.kind == ProfileQuestion.Kind.DISTRICT), None)
        if line.district_id is None and postal in postal_districts and district_question is not None:
            candidates = postal_districts[postal]
            if len(candidates) == 1:
                line.district_id = next(iter(candidates))
                district = next(d for d in districts if d.pk == line.district_id)
                line.summary.append(f"{district_question.text}: {district.name}")
            elif not row.get(district_question.key.lower(), "").strip():
                errors.append(_("postal code %(code)s covers several districts: fill in the column “%(column)s”")
                              % {"code": postal, "column": district_question.key})
    return ImportReport(filename=filename, header=header, ignored_columns=ignored, lines=lines)


def import_check_audited(*, council, actor, data: bytes, filename: str = "file", request=None) -> ImportReport:
    """`import_check` for a staff page: the report tells who is already a member, so it is
    recorded like a search ("member.import_check")."""
    report = import_check(council=council, data=data, filename=filename)
    with transaction.atomic():
        audit_record(council=council, actor=actor, action="member.import_check",
                     member_ids=[line.existing_member_id for line in report.lines if line.existing_member_id],
                     detail={"filename": filename, "lines": len(report.lines), "bad_lines": len(report.bad)},
                     request=request)
    return report


def members_import(*, council, actor, data: bytes, filename: str = "file", skip_bad_lines: bool = False,
                   consent_documented: bool = False, consent_channel: str = ConsentRecord.Channel.IMPORT,
                   invite: bool = False, request=None) -> ImportResult:
    """Import the good lines of the file, all in one transaction.

    The file is checked again here (the panel may have changed since the dry run). With bad
    lines and `skip_bad_lines` False, ImportRefused is raised and nothing is written.

    Without `consent_documented` the new members are "awaiting confirmation": they count for
    nothing and get nothing until they confirm and agree to the consent text themselves; with
    `invite` each is e-mailed a link to do so (after the commit). With `consent_documented`
    (the council holds each person's signed consent to the current consent text) they are
    active at once, and the current consent version is recorded for them, with
    `consent_channel` (paper, or import from another system) and each member's language.
    """
    if consent_channel not in (ConsentRecord.Channel.IMPORT, ConsentRecord.Channel.PAPER):
        raise ValueError(f"consent documented through {consent_channel!r}: only paper or import")
    report = import_check(council=council, data=data, filename=filename)
    if report.bad and not skip_bad_lines:
        raise ImportRefused(
            _("%(count)s line(s) have errors. Nothing was imported.") % {"count": len(report.bad)}, report,
        )
    good = report.good
    now = timezone.now()
    consent = None
    if consent_documented:
        consent = ConsentVersion.objects.filter(council=council).order_by("-version").first()
        if consent is None:
            raise ImportRefused(_("The council has no consent text yet, so consent cannot be recorded."), report)
    status = Member.Status.ACTIVE if consent_documented else Member.Status.PENDING
    try:
        with transaction.atomic():
            members = Member.objects.bulk_create([
                Member(
                    council=council, email=line.email, name=line.name, language=line.language,
                    birth_year=line.birth_year, postal_code=line.postal_code, district_id=line.district_id,
                    postal_address=line.postal_address, phone=line.phone,
                    status=status, source=IMPORT_SOURCE,
                    consent_version=consent, consent_given_at=now if consent else None,
                    confirmed_at=now if consent else None,
                )
                for line in good
            ])
            MemberAnswer.objects.bulk_create([
                MemberAnswer(member=member, question_id=question_id, option_id=option_id)
                for member, line in zip(members, good, strict=True)
                for question_id, option_id in line.option_ids
            ])
            if consent is not None:
                ConsentRecord.objects.bulk_create([
                    consent_record_build(member=member, version=consent, channel=consent_channel, at=now)
                    for member in members
                ])
            member_ids = [member.pk for member in members]
            skipped = [line.number for line in report.bad]
            invited = 0
            if invite and status == Member.Status.PENDING and members:
                invited = members_confirmation_invite(council=council, actor=actor, members=members)
            audit_record(
                council=council, actor=actor, action="member.import", member_ids=member_ids,
                detail={"count": len(members), "filename": filename, "skipped_lines": skipped,
                        "consent_documented": consent_documented,
                        "consent_channel": consent_channel if consent_documented else "",
                        "status": status, "invited": invited},
                request=request,
            )
    except IntegrityError as error:
        # Someone signed up with one of these e-mails between the check and the insert.
        raise ImportRefused(_("The panel changed while importing (an e-mail in the file was just used). "
                              "Nothing was imported; please check the file again."), report) from error
    return ImportResult(count=len(member_ids), skipped_lines=skipped, member_ids=member_ids, status=status,
                        invited=invited)


def import_template(*, council) -> list[str]:
    """The header of the template CSV."""
    return [name for name, _question in import_columns(council=council)]
