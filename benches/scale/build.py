"""Build the scale benchmark's council with PostgreSQL COPY: 1,000,000 members with skewed
profiles, 200 surveys with their invitations, and one open survey with 50,000 responses.

Run through run.py (`--build`); the database is `wt_scale_bench` unless BENCH_DB says otherwise.

Members' e-mail addresses and names are encrypted exactly as the app stores them
(common.crypto's format: `ev1:<key id>:` + base64url(nonce | AES-256-GCM ciphertext and tag),
the header as associated data, a fresh nonce per value) and the blind index is the app's own
`blind_index`; the one shortcut is that one AESGCM object is reused for all values instead of
one per value, which changes nothing in what is stored (checked by decrypting a sample with
`crypto.decrypt`). Consent records and past mailings' per-recipient rows are not built: no
measured page reads them.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import os
import time

import numpy as np
from common import load  # noqa: I001 - benches/scale is on sys.path when run

N_MEMBERS = 1_000_000
N_SURVEYS = 200
BIG_RESPONSES = 50_000
BIG_INVITED = 110_000
SEED = 14

DISTRICTS = [
    ("Indre By", 0.09, ["1050", "1100", "1150"]), ("Østerbro", 0.13, ["2100"]), ("Nørrebro", 0.13, ["2200"]),
    ("Vesterbro/Kongens Enghave", 0.12, ["1620", "2450"]), ("Valby", 0.09, ["2500"]), ("Vanløse", 0.07, ["2720"]),
    ("Brønshøj-Husum", 0.07, ["2700"]), ("Bispebjerg", 0.09, ["2400"]), ("Amager Øst", 0.10, ["2300"]),
    ("Amager Vest", 0.11, ["2300", "2770"]),
]
# Population shares per category, and how much more (or less) likely each is to join a panel:
# older, more educated home owners join more often, which is the skew weighting corrects.
POPULATION = {
    "gender": {"woman": 0.505, "man": 0.495},
    "education": {"basic": 0.16, "upper_secondary": 0.13, "vocational": 0.22, "short_higher": 0.06,
                  "bachelor": 0.22, "master": 0.21},
    "employment": {"employed": 0.58, "self_employed": 0.05, "student": 0.12, "unemployed": 0.04,
                   "retired": 0.17, "other": 0.04},
    "housing": {"owner": 0.22, "cooperative": 0.30, "private_rental": 0.26, "social_housing": 0.20, "other": 0.02},
}
JOIN = {
    "gender": {"woman": 1.15, "man": 0.9, "other": 0.02},
    "education": {"basic": 0.5, "upper_secondary": 0.9, "vocational": 0.8, "short_higher": 1.0, "bachelor": 1.3,
                  "master": 1.6},
    "employment": {"employed": 1.0, "self_employed": 1.0, "student": 0.8, "unemployed": 0.7, "retired": 1.5,
                   "other": 0.8},
    "housing": {"owner": 1.5, "cooperative": 1.2, "private_rental": 0.9, "social_housing": 0.6, "other": 0.8},
}
AGE_POPULATION = {"15-24": 0.15, "25-34": 0.25, "35-44": 0.16, "45-54": 0.13, "55-64": 0.11, "65-74": 0.10,
                  "75-120": 0.10}
AGE_JOIN = {"15-24": 0.5, "25-34": 0.8, "35-44": 1.0, "45-54": 1.1, "55-64": 1.3, "65-74": 1.5, "75-120": 0.9}
RESIDENTS = 540_000  # residents 15+ (the population figures' total)
FIRST = ["Anne", "Mads", "Sofie", "Jonas", "Ida", "Mikkel", "Freja", "Lars", "Fatima", "Ali", "Emma", "Noah",
         "Kirsten", "Henrik", "Amalie", "Oliver", "Hanne", "Peter", "Zainab", "Lukas", "Åse", "Ørjan", "Bo", "Yusuf"]
LAST = ["Jensen", "Nielsen", "Hansen", "Pedersen", "Andersen", "Christensen", "Larsen", "Sørensen", "Rasmussen",
        "Jørgensen", "Petersen", "Madsen", "Kristensen", "Olsen", "Yilmaz", "Hussein", "Østergaard", "Ahmed"]


def _draw(rng, shares: dict[str, float], join: dict[str, float], n: int) -> np.ndarray:
    codes = list(shares) + [c for c in join if c not in shares]
    p = np.array([shares.get(c, 0.005) * join.get(c, 1.0) for c in codes])
    return np.array(codes, dtype=object)[rng.choice(len(codes), size=n, p=p / p.sum())]


def _ascii(name: str) -> str:
    return name.lower().replace("æ", "ae").replace("ø", "oe").replace("å", "aa")


def _copy(cursor, table: str, columns: list[str], lines) -> int:
    """COPY text lines (tab-separated, \\N for NULL) into a table, in blocks of ~8 MB."""
    count = 0
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        buffer = io.StringIO()
        for line in lines:
            buffer.write(line)
            buffer.write("\n")
            count += 1
            if buffer.tell() > 8_000_000:
                copy.write(buffer.getvalue())
                buffer = io.StringIO()
        copy.write(buffer.getvalue())
    return count


def _encryptor():
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    from civicpanel.common import crypto

    ring = crypto.keyring()
    header = f"{crypto.PREFIX}{ring.current_id}:"
    aad = header.encode()
    aead = AESGCM(ring.keys[ring.current_id])
    urandom, b64 = os.urandom, base64.urlsafe_b64encode

    def encrypt(text: str) -> str:
        nonce = urandom(12)
        return header + b64(nonce + aead.encrypt(nonce, text.encode(), aad)).decode().rstrip("=")

    return encrypt


def _step(what: str, started: float) -> None:
    print(f"  {what}: {time.perf_counter() - started:.1f} s (load {load()})", flush=True)


def build(*, slug: str = "kbh", n_members: int = N_MEMBERS, n_surveys: int = N_SURVEYS,
          big_responses: int = BIG_RESPONSES) -> None:  # noqa: C901, PLR0915 - one straight script reads best
    from allauth.mfa.totp.internal.auth import TOTP
    from django.db import connection, transaction
    from django.utils import timezone

    from civicpanel.accounts.models import StaffMembership, User
    from civicpanel.common import crypto
    from civicpanel.members.models import Member
    from civicpanel.panel.defaults import council_setup_defaults
    from civicpanel.panel.models import PopulationFigure, ProfileQuestion
    from civicpanel.surveys import services
    from civicpanel.surveys.models import Survey, Wave
    from civicpanel.tenancy.models import Council, District

    rng = np.random.default_rng([SEED, n_members])
    started = time.perf_counter()
    council = Council.objects.create(slug=slug, name=f"Borgerpanel {slug}", country="DK",
                                     languages=["da", "en"], default_language="da", minimum_age=15,
                                     contact_email=f"panel@{slug}.example", from_email=f"panel@{slug}.example")
    for order, (name, _share, codes) in enumerate(DISTRICTS):
        District.objects.create(council=council, name=name, postal_codes=codes, order=order)
    council_setup_defaults(council=council)
    admin = User.objects.create_user(email=f"bench-admin@{slug}.example", password=None, full_name="Bench Admin")
    StaffMembership.objects.create(user=admin, council=council, role="admin")
    TOTP.activate(admin, base64.b32encode(os.urandom(20)).decode())
    questions = {q.key: q for q in ProfileQuestion.objects.filter(council=council).prefetch_related("options")}
    option_id = {(key, o.code): o.pk for key, q in questions.items() for o in q.options.all()}
    district_shares = {d.profile_option.code: share for d, (_n, share, _c) in
                       zip(council.districts.order_by("order"), DISTRICTS, strict=True)}
    figures = []
    for key, shares in [*POPULATION.items(), ("birth_year", AGE_POPULATION), ("district", district_shares)]:
        for code, share in shares.items():
            figures.append(PopulationFigure(council=council, option_id=option_id[key, code],
                                            count=round(share * RESIDENTS), source="Bench (illustrative)"))
    PopulationFigure.objects.bulk_create(figures)
    _step("council, questions, population figures", started)

    # Members: profiles drawn with the joining skew, then COPY.
    n = n_members
    picks = {key: _draw(rng, POPULATION.get(key, {}), JOIN[key], n) for key in JOIN}
    age_band = _draw(rng, AGE_POPULATION, AGE_JOIN, n)
    district_code = _draw(rng, district_shares, {}, n)
    districts = {d.profile_option.code: d for d in council.districts.select_related("profile_option")}
    year = timezone.localdate().year
    bands = {o.code: (o.min_age, min(o.max_age, 95)) for o in questions["birth_year"].options.all()}
    low = np.array([bands[b][0] for b in age_band])
    high = np.array([bands[b][1] for b in age_band])
    birth_year = year - (low + np.floor(rng.random(n) * (high - low + 1)).astype(int))
    status = rng.choice(["active", "pending", "paused", "left"], size=n, p=[0.90, 0.04, 0.03, 0.03])
    now = timezone.now()
    joined_days = rng.integers(1, 3 * 365, size=n)
    first = rng.integers(len(FIRST), size=n)
    last = rng.integers(len(LAST), size=n)
    language = rng.choice(["da", "en"], size=n, p=[0.92, 0.08])
    wants_surveys = rng.random(n) < 0.97
    bounced = rng.random(n) < 0.01
    consent = council.consent_versions.get(version=1).pk
    encrypt = _encryptor()
    with connection.cursor() as cursor:
        # The rows are consistent by construction: skip the per-row foreign-key triggers while
        # loading (this session only; needs a superuser, as the benchmark's own server has).
        cursor.execute("SET session_replication_role = replica")
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM members_member")
        first_id = cursor.fetchone()[0] + 1
    ids = np.arange(first_id, first_id + n)
    columns = ["id", "council_id", "email", "email_hash", "name", "language", "birth_year", "postal_code",
               "district_id", "status", "campaign_id", "source", "wants_surveys", "wants_events", "wants_news",
               "email_bounced", "consent_version_id", "consent_given_at", "joined_at", "confirmed_at",
               "last_active_at", "renewal_reminded_at", "left_at", "postal_address", "phone"]

    def member_lines():
        for i in range(n):
            joined = (now - dt.timedelta(days=int(joined_days[i]), seconds=i % 86400)).isoformat()
            district = districts[district_code[i]]
            if status[i] == "left":
                yield "\t".join([str(ids[i]), str(council.pk), r"\N", r"\N", "", "da", r"\N", "", r"\N", "left",
                                 r"\N", "bench", "f", "f", "f", "f", str(consent), joined, joined, joined, joined,
                                 r"\N", joined, "", ""])
                continue
            name = f"{FIRST[first[i]]} {LAST[last[i]]}"
            email = f"{_ascii(FIRST[first[i]])}.{_ascii(LAST[last[i]])}.{ids[i]}@example.dk"
            yield "\t".join([
                str(ids[i]), str(council.pk), encrypt(email), crypto.blind_index(email), encrypt(name), language[i],
                str(birth_year[i]), district.postal_codes[0], str(district.pk), status[i], r"\N", "bench",
                "t" if wants_surveys[i] else "f", "t", "t", "t" if bounced[i] else "f", str(consent), joined,
                joined, r"\N" if status[i] == "pending" else joined, joined, r"\N", r"\N", "", ""])

    t = time.perf_counter()
    with connection.cursor() as cursor:
        _copy(cursor.cursor, "members_member", columns, member_lines())
        cursor.execute("SELECT setval(pg_get_serial_sequence('members_member', 'id'), (SELECT max(id) FROM members_member))")
    _step(f"{n:,} members (COPY, e-mail and name encrypted)", t)
    sample = Member.objects.filter(council=council).exclude(email=None).first()
    with connection.cursor() as cursor:
        cursor.execute("SELECT email FROM members_member WHERE id = %s", [sample.pk])
        assert crypto.decrypt(cursor.fetchone()[0]) == sample.email

    t = time.perf_counter()
    interests = np.array([o.pk for o in questions["interests"].options.all()])
    interests_q = questions["interests"].pk
    n_interests = rng.integers(0, 4, size=n)
    # k interests without replacement per member: the first k of a random order of the options.
    interest_order = interests[np.argsort(rng.random((n, len(interests))), axis=1)]
    single = {key: np.array([option_id[key, code] for code in picks[key]]) for key in JOIN}

    def answer_lines():
        for i in range(n):
            if status[i] == "left":
                continue
            for key in JOIN:
                yield f"{ids[i]}\t{questions[key].pk}\t{single[key][i]}"
            for option in interest_order[i, :n_interests[i]]:
                yield f"{ids[i]}\t{interests_q}\t{option}"

    with connection.cursor() as cursor:
        count = _copy(cursor.cursor, "members_memberanswer", ["member_id", "question_id", "option_id"], answer_lines())
    _step(f"{count:,} profile answers (COPY)", t)

    # Surveys: 199 closed ones with their invitations (the response-rate history and the contact
    # limit read them), and the open one with 50,000 responses.
    t = time.perf_counter()
    reachable = ids[(status == "active") & wants_surveys & ~bounced]
    survey_ids, wave_ids = [], []
    with transaction.atomic():
        for s in range(n_surveys):
            survey = services.survey_from_template(council=council, actor=admin, key="local_satisfaction")
            big = s == n_surveys - 1 and big_responses > 0
            sent = now - dt.timedelta(days=2 if big else int(10 + (n_surveys - s) * 5))
            Survey.objects.filter(pk=survey.pk).update(status="open" if big else "closed", opens_at=sent)
            wave = Wave.objects.create(survey=survey, kind="invitation", filters={}, send_at=sent, created_by=admin,
                                       recipient_count=BIG_INVITED if big else 0)
            survey_ids.append(survey.pk)
            wave_ids.append(wave.pk)
    _step(f"{n_surveys} surveys", t)

    t = time.perf_counter()
    inv_columns = ["survey_id", "member_id", "wave_id", "token_salt", "token_hash", "invited_at", "reminders_sent",
                   "completed_at", "inclusion_probability"]

    def invitation_lines():
        for s, (survey_id, wave_id) in enumerate(zip(survey_ids, wave_ids, strict=True)):
            big = s == n_surveys - 1 and big_responses > 0
            size = min(len(reachable), BIG_INVITED if big else int(rng.integers(1_500, 4_000)))
            members = rng.choice(reachable, size=size, replace=False)
            at = (now - dt.timedelta(days=2 if big else int(10 + (n_surveys - s) * 5))).isoformat()
            done = rng.random(size) < (0.0 if big else 0.45)
            salts, hashes = os.urandom(8 * size).hex(), os.urandom(32 * size).hex()
            for j, member in enumerate(members):
                yield (f"{survey_id}\t{member}\t{wave_id}\t{salts[16 * j:16 * j + 16]}\t{hashes[64 * j:64 * j + 64]}"
                       f"\t{at}\t0\t{at if done[j] else chr(92) + 'N'}\t\\N")

    with connection.cursor() as cursor:
        count = _copy(cursor.cursor, "surveys_invitation", inv_columns, invitation_lines())
        Wave.objects.filter(pk__in=wave_ids[:-1]).update(recipient_count=0)
        cursor.execute("UPDATE surveys_wave w SET recipient_count = (SELECT count(*) FROM surveys_invitation i "
                       "WHERE i.wave_id = w.id) WHERE w.id = ANY(%s)", [wave_ids])
    _step(f"{count:,} invitations (COPY)", t)

    if big_responses:
        t = time.perf_counter()
        _responses(connection, rng, survey_ids[-1], big_responses, now)
        _step(f"{big_responses:,} responses with their answers (COPY)", t)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # index-only scans need the visibility map
    _step("whole build", started)


def _answer_value(question, rng):
    """A value in the form the answer pages store (questionnaires.kinds.parse_answer)."""
    kind, settings = question.kind, question.settings or {}
    if kind == "scale":
        return int(rng.integers(settings.get("scale_min", 1), settings.get("scale_max", 5) + 1))
    if kind == "matrix":
        low, high = settings.get("scale_min", 1), settings.get("scale_max", 5)
        return {str(row["code"]): int(rng.integers(low, high + 1)) for row in settings.get("rows", [])}
    if kind == "yesno":
        return "yes" if rng.random() < 0.7 else "no"
    if kind == "single":
        return str(question.options[int(rng.integers(len(question.options)))]["code"])
    if kind == "multi":
        codes = [str(o["code"]) for o in question.options]
        k = int(rng.integers(1, min(3, len(codes)) + 1))
        chosen = set(rng.choice(codes, size=k, replace=False))
        return [c for c in codes if c in chosen]
    if kind == "ranking":
        codes = [str(o["code"]) for o in question.options]
        return [codes[i] for i in rng.permutation(len(codes))]
    if kind == "number":
        return int(rng.integers(settings.get("min", 0) or 0, (settings.get("max", 30) or 30) + 1))
    if kind in ("short_text", "long_text"):
        return None if rng.random() < 0.8 else "Mere lys på stien og færre biler om morgenen."
    return None


def _responses(connection, rng, survey_id: int, n: int, now) -> None:
    from civicpanel.surveys.models import Invitation, Question

    invitations = list(Invitation.objects.filter(survey_id=survey_id).order_by("id").values_list("id", flat=True))
    chosen = sorted(rng.choice(len(invitations), size=min(n, len(invitations) // 2), replace=False))
    questions = [q for q in Question.objects.filter(survey_id=survey_id).order_by("page__order", "order")
                 if q.kind != "info"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM surveys_response")
        first_id = cursor.fetchone()[0] + 1
        rows, answers = [], []
        for k, index in enumerate(chosen):
            at = (now - dt.timedelta(minutes=int(rng.integers(5, 2800)))).isoformat()
            rows.append(f"{first_id + k}\t{survey_id}\t{invitations[index]}\tda\t0\t{at}\t{at}\t{at}\tweb")
            for question in questions:
                value = _answer_value(question, rng)
                if value is not None:
                    answers.append(f"{first_id + k}\t{question.pk}\t{json.dumps(value, ensure_ascii=False)}\t")
        _copy(cursor.cursor, "surveys_response", ["id", "survey_id", "invitation_id", "language", "current_page",
                                                  "started_at", "updated_at", "completed_at", "mode"], rows)
        cursor.execute("SELECT setval(pg_get_serial_sequence('surveys_response', 'id'), (SELECT max(id) FROM surveys_response))")
        _copy(cursor.cursor, "surveys_answer", ["response_id", "question_id", "value", "other_text"], answers)
        cursor.execute("UPDATE surveys_invitation i SET completed_at = r.completed_at FROM surveys_response r "
                       "WHERE r.invitation_id = i.id AND r.survey_id = %s", [survey_id])
