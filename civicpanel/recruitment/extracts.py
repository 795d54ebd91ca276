"""Reading an address extract from the population register (CSV), line by line.

`extract_check` reads the file and says what is wrong on which line, writing nothing; the
service `extract_upload` stores the extract only when every line is right (all or nothing).
Each addressee is placed in the profile groups the sampling uses: an age band (birth year), a
gender (the register's K/M) and a district (the postal code, when it belongs to one district).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from civicpanel.common.csvio import CsvInputError, read_csv_upload
from civicpanel.members.profile import MAX_AGE
from civicpanel.panel.models import ProfileOption, ProfileQuestion

MAX_LINES = 50_000
# Column names as registers and staff write them, in Danish, Norwegian and English.
ALIASES = {
    "name": ("name", "navn", "fulde navn", "fullt navn"),
    "address": ("address", "adresse", "vejnavn og nummer", "gateadresse"),
    "postal_code": ("postal_code", "postnr", "postnummer", "postal code", "zip"),
    "town": ("town", "by", "postdistrikt", "poststed", "city"),
    "birth_year": ("birth_year", "fødselsår", "foedselsaar", "birth year", "year of birth"),
    "gender": ("gender", "køn", "koen", "kjønn", "kjoenn", "sex"),
    "district": ("district", "bydel", "kvarter", "område", "omraade"),
    "reference": ("reference", "referanse", "ref", "id"),
}
REQUIRED = ("name", "address", "postal_code", "birth_year", "gender")
# Columns a council must never send us: the extract needs no personal identification number.
FORBIDDEN = ("cpr", "cprnr", "cpr-nr", "cpr_nr", "cpr nummer", "personnummer", "fødselsnummer", "foedselsnummer",
             "fnr", "personal_id", "national_id")
WOMAN = {"k", "kvinde", "kvinne", "f", "female", "woman", "w", "2"}
MAN = {"m", "mand", "mann", "male", "man", "1"}
POSTAL = re.compile(r"^\d{4}$")
# A Danish CPR number (ddmmyy-xxxx) or a Norwegian fødselsnummer (11 digits).
PERSON_NUMBER = re.compile(r"^\d{6}-?\d{4}$|^\d{11}$")


@dataclass
class ExtractLine:
    number: int
    name: str = ""
    address: str = ""
    postal_code: str = ""
    town: str = ""
    birth_year: int | None = None
    gender: str = ""  # "woman" or "man"
    reference: str = ""
    age_option_id: int | None = None
    gender_option_id: int | None = None
    district_option_id: int | None = None
    errors: list[str] = field(default_factory=list)


@dataclass
class ExtractReport:
    filename: str
    lines: list[ExtractLine]
    file_error: str = ""

    @property
    def bad(self) -> list[ExtractLine]:
        return [line for line in self.lines if line.errors]

    @property
    def ok(self) -> bool:
        return not self.file_error and bool(self.lines) and not self.bad


@dataclass
class GroupOptions:
    """The profile options an addressee can be placed in, read once per file."""

    age_bands: list[ProfileOption]
    gender: dict[str, int]  # "woman"/"man" -> option id
    district_by_postal: dict[str, list[int]]  # postal code -> district option ids
    district_by_name: dict[str, int]  # lower-cased district name -> district option id


def group_options(*, council) -> GroupOptions:
    questions = list(ProfileQuestion.objects.filter(council=council, active=True).prefetch_related("options"))
    bands: list[ProfileOption] = []
    gender: dict[str, int] = {}
    by_postal: dict[str, list[int]] = {}
    by_name: dict[str, int] = {}
    for question in questions:
        options = list(question.options.all())
        if question.kind == ProfileQuestion.Kind.BIRTH_YEAR and not bands:
            bands = [o for o in options if o.min_age is not None]
        elif question.kind == ProfileQuestion.Kind.DISTRICT and not by_postal:
            by_district = {o.district_id: o.pk for o in options if o.district_id}
            for district in council.districts.all():
                if district.pk in by_district:
                    by_name[district.name.strip().lower()] = by_district[district.pk]
                for code in district.postal_codes or []:
                    if district.pk in by_district:
                        by_postal.setdefault(str(code).strip(), []).append(by_district[district.pk])
        elif question.key == "gender":
            gender = {o.code: o.pk for o in options if o.code in ("woman", "man")}
    return GroupOptions(age_bands=bands, gender=gender, district_by_postal=by_postal, district_by_name=by_name)


def age_band_for(bands: list[ProfileOption], birth_year: int | None, year: int) -> int | None:
    if birth_year is None:
        return None
    age = year - birth_year
    for option in bands:
        if option.min_age <= age and (option.max_age is None or age <= option.max_age):
            return option.pk
    return None


def _columns(header: list[str]) -> tuple[dict[str, str], list[str]]:
    """canonical name -> the header's column, and the canonical names missing."""
    found: dict[str, str] = {}
    for canonical, names in ALIASES.items():
        for column in header:
            if column in names and canonical not in found:
                found[canonical] = column
    return found, [c for c in REQUIRED if c not in found]


def extract_check(*, council, data: bytes, filename: str) -> ExtractReport:
    """Every line of the file checked; nothing is written."""
    try:
        header, rows = read_csv_upload(data, required=(), filename=filename)
    except CsvInputError as exc:
        return ExtractReport(filename=filename, lines=[], file_error=str(exc))
    forbidden = [column for column in header if column in FORBIDDEN]
    if forbidden:
        return ExtractReport(filename=filename, lines=[], file_error=_(
            "%(file)s, line 1: the column %(column)s holds personal identification numbers. The letters need "
            "none: remove the column and upload the file again.") % {"file": filename, "column": forbidden[0]})
    columns, missing = _columns(header)
    if missing:
        return ExtractReport(filename=filename, lines=[], file_error=_(
            "%(file)s, line 1: the columns %(missing)s are missing; the columns found are %(found)s.")
            % {"file": filename, "missing": ", ".join(missing), "found": ", ".join(header)})
    if len(rows) > MAX_LINES:
        return ExtractReport(filename=filename, lines=[], file_error=_(
            "%(file)s has %(count)s lines; at most %(max)s can be read at once. Split the file.")
            % {"file": filename, "count": len(rows), "max": MAX_LINES})
    options = group_options(council=council)
    year = timezone.localdate().year
    earliest, latest = year - MAX_AGE, year - council.minimum_age
    lines: list[ExtractLine] = []
    seen: dict[tuple[str, str, str], int] = {}
    for number, row in rows:
        if not row:
            continue
        value = {name: row.get(column, "").strip() for name, column in columns.items()}
        line = ExtractLine(number=number, name=value["name"][:200], address=value["address"][:300],
                           postal_code=value["postal_code"].replace(" ", ""), town=value.get("town", "")[:100],
                           reference=value.get("reference", "")[:64])
        if not line.name:
            line.errors.append(_("The name is empty."))
        if not line.address:
            line.errors.append(_("The address is empty."))
        if not POSTAL.match(line.postal_code):
            line.errors.append(_("The postal code “%(value)s” is not four digits.") % {"value": line.postal_code})
        elif options.district_by_postal and line.postal_code not in options.district_by_postal:
            line.errors.append(_("The postal code %(value)s is not in the council's area.")
                               % {"value": line.postal_code})
        else:
            districts = options.district_by_postal.get(line.postal_code, [])
            # A postal code shared by two districts says nothing about which one: left open,
            # unless the extract names the district.
            line.district_option_id = districts[0] if len(districts) == 1 else None
        named = value.get("district", "")
        if named:
            if named.lower() in options.district_by_name:
                line.district_option_id = options.district_by_name[named.lower()]
            else:
                line.errors.append(_("The district “%(value)s” is not one of the council's districts.")
                                   % {"value": named})
        raw_year = value["birth_year"]
        if not raw_year.isdigit() or len(raw_year) != 4:
            line.errors.append(_("The birth year “%(value)s” is not a year of four digits.") % {"value": raw_year})
        elif not earliest <= int(raw_year) <= latest:
            line.errors.append(_("The birth year %(value)s is outside %(earliest)s–%(latest)s (the panel is open "
                                 "from the age of %(age)s).") % {"value": raw_year, "earliest": earliest,
                                                                 "latest": latest, "age": council.minimum_age})
        else:
            line.birth_year = int(raw_year)
            line.age_option_id = age_band_for(options.age_bands, line.birth_year, year)
        gender = value["gender"].lower()
        if gender in WOMAN:
            line.gender = "woman"
        elif gender in MAN:
            line.gender = "man"
        else:
            line.errors.append(_("The gender “%(value)s” is not one of K, M (or kvinde, mand, kvinne, mann).")
                               % {"value": value["gender"]})
        line.gender_option_id = options.gender.get(line.gender)
        if line.reference and PERSON_NUMBER.match(line.reference.replace(" ", "")):
            line.errors.append(_("The reference looks like a personal identification number. Use the register's "
                                 "own running number instead, never a CPR or national identity number."))
        key = (line.name.lower(), line.address.lower(), line.postal_code)
        if line.name and line.address and key in seen:
            line.errors.append(_("The same name and address as line %(line)s.") % {"line": seen[key]})
        else:
            seen.setdefault(key, number)
        lines.append(line)
    if not lines:
        return ExtractReport(filename=filename, lines=[], file_error=_("%(file)s: the file has no addresses.")
                             % {"file": filename})
    return ExtractReport(filename=filename, lines=lines)


def group_counts(lines) -> dict[str, int]:
    """Addressees per group ("age:<option id>", "gender:<id>", "district:<id>") and in all."""
    counts: dict[str, int] = {"total": 0}
    for line in lines:
        counts["total"] += 1
        for prefix, option_id in (("age", line.age_option_id), ("gender", line.gender_option_id),
                                  ("district", line.district_option_id)):
            if option_id:
                counts[f"{prefix}:{option_id}"] = counts.get(f"{prefix}:{option_id}", 0) + 1
    return counts
