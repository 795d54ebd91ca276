"""The scale benchmark: one council with 1,000,000 members, 200 surveys and a survey with 50,000
responses (built with COPY by build.py), and the pages staff wait for, timed through Django's
test client as a logged-in admin (middleware, queries, templates: everything but the network).

    .venv/bin/python benches/scale/run.py --build          # build (about 10-20 min), then measure
    .venv/bin/python benches/scale/run.py                  # measure again on the built database
    .venv/bin/python benches/scale/run.py --members 100000 --build   # a smaller council

Every figure is printed with the machine's load average (1 / 5 / 15 min) when it was taken.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ROOT, database_url, django_setup, load, recreate_database, summary  # noqa: E402

DB = os.environ.get("BENCH_DB", "wt_scale_bench")
ROWS: list[tuple[str, str, str, str, str]] = []


def record(what: str, values: list[float], goal: float, unit: str = "s") -> None:
    p50, p95 = summary(values)
    verdict = "met" if p95 < goal else "NOT met"
    shown = (lambda v: f"{v * 1000:.0f} ms") if unit == "ms" else (lambda v: f"{v:.2f} s")
    ROWS.append((what, shown(p50), shown(p95), f"< {shown(goal)} ({verdict})", load()))
    print(f"{what}: p50 {shown(p50)}, p95 {shown(p95)}, goal p95 < {shown(goal)}: {verdict} "
          f"(n={len(values)}, load {load()})", flush=True)


def staff_client(slug: str):
    from django.test import Client

    from civicpanel.accounts.models import User

    user = User.objects.get(email=f"bench-admin@{slug}.example")
    client = Client(HTTP_HOST=f"{slug}.localhost")
    client.force_login(user)
    session = client.session
    now = time.time()
    session["account_authentication_methods"] = [{"method": "password", "at": now, "email": user.email},
                                                 {"method": "mfa", "at": now, "type": "totp"}]
    session["account_authentication_methods_user"] = str(user.pk)
    session.save()
    return client


def timed_get(client, url: str, runs: int, warm: bool = True) -> list[float]:
    if warm:
        client.get(url)  # the first request of a process loads templates and translations
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
    return times


def member_list(slug: str, runs: int) -> None:
    from civicpanel.panel.models import ProfileOption

    client = staff_client(slug)
    districts = list(ProfileOption.objects.filter(question__council__slug=slug, question__key="district")
                     .values_list("code", flat=True))
    filters = [f"gender=woman&education=master&district={districts[0]}",
               f"birth_year=25-34&housing=private_rental&district={districts[2]}",
               "gender=man&employment=retired&housing=owner",
               f"education=bachelor&birth_year=45-54&district={districts[5]}"]
    times, name_times = [], []
    for i in range(runs):
        times += timed_get(client, f"/staff/members/?{filters[i % len(filters)]}&status=active", 1)
    record("member list, three filters and the count", times, 0.200, "ms")
    for i in range(max(3, runs // 4)):
        name_times += timed_get(client, f"/staff/members/?{filters[i % len(filters)]}&sort=name", 1)
    record("member list, three filters, sorted by name", name_times, 0.200, "ms")
    record("member list, whole panel (no filter)", timed_get(client, "/staff/members/", max(3, runs // 4)), 0.200, "ms")


def dashboard(slug: str, runs: int) -> None:
    record("representativeness dashboard", timed_get(staff_client(slug), "/staff/representativeness/", runs), 0.5)


def send_preview(slug: str, runs: int, size: int, goal: float, label: str) -> None:
    from civicpanel.accounts.models import User
    from civicpanel.surveys import services
    from civicpanel.surveys.models import Survey
    from civicpanel.tenancy.models import Council

    council = Council.objects.get(slug=slug)
    admin = User.objects.get(email=f"bench-admin@{slug}.example")
    survey = services.survey_from_template(council=council, actor=admin, key="traffic_green")
    # The send page asks for the survey's purpose before anything else.
    text = {"da": "Trafikplan", "en": "Traffic plan"}
    Survey.objects.filter(pk=survey.pk).update(purpose=text, committee=text, answers_use=text)
    client = staff_client(slug)
    url = (f"/staff/surveys/{survey.pk}/send/?audience=sample&sample_size={size}&sample_seed={{seed}}"
           "&sample_features=employment&sample_features=birth_year&sample_features=district"
           "&sample_features=education&sample_features=housing")
    times = []
    client.get(url.format(seed=1))
    for seed in range(runs):
        started = time.perf_counter()
        response = client.get(url.format(seed=seed + 2))
        times.append(time.perf_counter() - started)
        # A drawn sample: its preview without the error the page shows when it cannot be drawn.
        drawn = b'class="card sample-preview"' in response.content and b"alert-error" not in response.content
        assert response.status_code == 200 and drawn, response.content[-3000:]
    record(label, times, goal)


def send_whole_panel(slug: str) -> None:
    """A survey sent to the whole panel from the send page: the confirmation page, the send (what
    the staff member waits for) and the worker's writing of the wave's invitations and e-mails."""
    import re

    from civicpanel.accounts.models import User
    from civicpanel.outreach.services import mailing_cancel
    from civicpanel.surveys import services, waves
    from civicpanel.surveys.models import Invitation, Survey, Wave
    from civicpanel.tenancy.models import Council

    council = Council.objects.get(slug=slug)
    admin = User.objects.get(email=f"bench-admin@{slug}.example")
    client = staff_client(slug)

    def send() -> tuple[Wave, float, float]:
        survey = services.survey_from_template(council=council, actor=admin, key="traffic_green")
        text = {"da": "Trafikplan", "en": "Traffic plan"}
        Survey.objects.filter(pk=survey.pk).update(purpose=text, committee=text, answers_use=text, status="open")
        url = f"/staff/surveys/{survey.pk}/send/"
        started = time.perf_counter()
        page = client.post(url, {"action": "confirm"})
        confirmed = time.perf_counter()
        key = re.search(rb'name="confirmation" value="([0-9a-f]{32})"', page.content).group(1).decode()
        response = client.post(url, {"action": "send", "confirmation": key})
        assert response.status_code == 302, response.status_code
        return Wave.objects.get(survey=survey), confirmed - started, time.perf_counter() - confirmed

    def forget(wave: Wave) -> None:
        """Measured, not sent (the e-mails are the mail benchmark's business), and taken away, so
        that the contact limit leaves the next sending and the next run the same audience."""
        mailing_cancel(council=council, actor=admin, mailing=wave.mailing)
        Invitation.objects.filter(survey_id=wave.survey_id).delete()  # the waves protect them
        Survey.objects.filter(pk=wave.survey_id).delete()

    wave, confirming, sending = send()
    assert not wave.prepared, "a whole panel is written by the worker"
    n = wave.recipient_count
    record(f"send page: confirmation page, whole panel ({n:,})", [confirming], 2.0)
    record(f"send page: send to the whole panel ({n:,})", [sending], 2.0)
    started = time.perf_counter()
    wave = waves.wave_prepare(wave_id=wave.pk)
    writing = time.perf_counter() - started
    # The page says the e-mails are queued "usually within a minute or two".
    record(f"worker: the wave's {n:,} invitations and e-mails written", [writing], 60.0)
    forget(wave)
    # Beside it, the same sending written in the request, as every wave was before.
    threshold, waves.PREPARED_BY_WORKER_FROM = waves.PREPARED_BY_WORKER_FROM, n + 1
    try:
        in_request, _confirming, in_request_sending = send()
    finally:
        waves.PREPARED_BY_WORKER_FROM = threshold
    assert in_request.prepared and in_request.recipient_count == n
    forget(in_request)
    print(f"  the same sending written in the request: {in_request_sending:.2f} s, "
          f"{in_request_sending / sending:.0f} times the send page's wait now", flush=True)


def big_survey():
    from civicpanel.surveys.models import Survey

    return Survey.objects.filter(council__slug="kbh", status="open").order_by("-responses__id").first()


def answer_arrives(survey) -> int:
    """One more invited member completes the survey (the answers of its first response, copied),
    as the answering pages store it: the results page's next view is its first after an answer."""
    from django.utils import timezone

    from civicpanel.surveys.models import Answer, Invitation, Response

    invitation = Invitation.objects.filter(survey=survey, response__isnull=True).order_by("pk").first()
    model = Response.objects.filter(survey=survey, completed_at__isnull=False).order_by("pk").first()
    now = timezone.now()
    response = Response.objects.create(survey=survey, invitation=invitation, language=model.language, completed_at=now)
    Answer.objects.bulk_create([Answer(response=response, question_id=q, value=v, other_text=o)
                                for q, v, o in model.answers.values_list("question_id", "value", "other_text")])
    Invitation.objects.filter(pk=invitation.pk).update(completed_at=now)
    return response.pk


class NotedQueue:
    """Stands in for the task queue: the refresh tasks the page queues are noted and then run
    in this process, timed (as the worker would run them), and none is left in the database."""

    def __init__(self):
        self.queued: list[tuple] = []

    def enqueue(self, *args):
        self.queued.append(args)


def results(slug: str, runs: int) -> None:
    from civicpanel.surveys import tasks
    from civicpanel.surveys.models import Invitation, Response, Survey
    from civicpanel.surveys.results_cache import survey_results_refresh

    survey = Survey.objects.filter(council__slug=slug, status="open", responses__isnull=False).distinct().get()
    client = staff_client(slug)
    url = f"/staff/surveys/{survey.pk}/results/"
    started = time.perf_counter()
    assert client.get(url).status_code == 200
    first = time.perf_counter() - started
    record("weighted results, 50,000 responses (first view of a new process)", [first], 1.0)
    queue, real = NotedQueue(), tasks.survey_results_refresh
    tasks.survey_results_refresh = queue
    added, after_answer, worker = [], [], []
    try:
        for _ in range(runs):
            added.append(answer_arrives(survey))
            started = time.perf_counter()
            response = client.get(url)
            after_answer.append(time.perf_counter() - started)
            # The figures from before the answer, saying so: the worker brings them up to date.
            assert response.status_code == 200 and b"results-earlier" in response.content
            assert len(queue.queued) == 1
            survey_id, language, by, weights_on = queue.queued.pop()
            started = time.perf_counter()
            survey_results_refresh(survey_id=survey_id, language=language, by=by, weights_on=weights_on)
            worker.append(time.perf_counter() - started)
            assert b"results-earlier" not in client.get(url).content
    finally:
        tasks.survey_results_refresh = real
        Invitation.objects.filter(response__pk__in=added).update(completed_at=None)
        Response.objects.filter(pk__in=added).delete()
    record("weighted results, 50,000 responses (first view after an answer: the figures before it, said so)",
           after_answer, 1.0)
    record("weighted results, 50,000 responses (the worker's computation after an answer)", worker, 30.0)
    record("weighted results, 50,000 responses (cached until an answer arrives)", timed_get(client, url, runs), 1.0)


def xlsx_export(slug: str) -> None:
    """The task the worker runs for the Excel file (the staff page only queues it): timed in
    this process, so that no queued task is left for the mail benchmark's workers."""
    from civicpanel.surveys.export_files import export_write
    from civicpanel.surveys.models import ResponseExport, Survey

    survey = Survey.objects.filter(council__slug=slug, status="open", responses__isnull=False).distinct().get()
    export = ResponseExport.objects.create(council=survey.council, survey=survey)
    started = time.perf_counter()
    export = export_write(export_id=export.pk)
    elapsed = time.perf_counter() - started
    assert export.status == ResponseExport.Status.READY, export.status
    record(f"XLSX export in the worker, {export.rows:,} responses ({export.size / 1e6:.1f} MB)", [elapsed], 30.0)
    export.delete()


def mail_wave(slug: str, n: int, workers: int, deadline_seconds: float = 900) -> None:
    """n survey invitations to a local SMTP sink, sent by `workers` worker processes."""
    import numpy as np
    from django.db import connection
    from django.db.models import Count
    from django.utils import timezone

    from civicpanel.accounts.models import User
    from civicpanel.members.models import Member
    from civicpanel.outreach.models import Delivery
    from civicpanel.outreach.services import mailing_create
    from civicpanel.surveys import services
    from civicpanel.surveys.models import Invitation, Survey, Wave

    council_members = Member.objects.filter(council__slug=slug, status="active", wants_surveys=True,
                                            email_bounced=False)
    admin = User.objects.get(email=f"bench-admin@{slug}.example")
    council = admin.memberships.get().council
    survey = services.survey_from_template(council=council, actor=admin, key="traffic_green")
    Survey.objects.filter(pk=survey.pk).update(status="open")
    ids = list(council_members.order_by("?").values_list("pk", flat=True)[:n])
    wave = Wave.objects.create(survey=survey, kind="invitation", filters={}, send_at=timezone.now(),
                               recipient_count=len(ids), created_by=admin)
    now = timezone.now().isoformat()
    with connection.cursor() as cursor, cursor.cursor.copy(
            "COPY surveys_invitation (survey_id, member_id, wave_id, token_salt, token_hash, invited_at, "
            "reminders_sent) FROM STDIN") as copy:
        for pk in ids:
            copy.write_row((survey.pk, pk, wave.pk, os.urandom(8).hex(), os.urandom(32).hex(), now, 0))
    refs = dict(Invitation.objects.filter(survey=survey).values_list("member_id", "pk"))
    sink_dir = Path(tempfile.mkdtemp(prefix="bench-sink-"))
    port = 2500 + int(np.random.default_rng().integers(0, 400))
    sink = subprocess.Popen([sys.executable, str(Path(__file__).parent / "sink.py"), str(port), str(sink_dir)])
    env = {**os.environ, "DATABASE_URL": database_url(DB), "EMAIL_URL": f"smtp://127.0.0.1:{port}",
           "CIVICPANEL_MAIL_RUNS_PER_WAVE": str(workers),
           # What is measured is the workers' capacity; production paces each council at 10 a second.
           "CIVICPANEL_MAIL_PER_SECOND": "0"}
    worker_cmd = [str(ROOT / ".venv/bin/civicpanel"), "db_worker", "--queue-name", "mail,default", "--no-reload",
                  "--interval", "0.5"]
    procs = []
    try:
        time.sleep(1)
        # The workers start first: what is timed is the worker's sending, from the wave's creation on.
        procs = [subprocess.Popen(worker_cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                 for _ in range(workers)]
        time.sleep(5)
        started = time.perf_counter()
        mailing = mailing_create(council=council, actor=admin, message_type="survey_invitation", member_ids=ids,
                                 reference=f"survey:{survey.pk}", reference_ids=refs)
        Wave.objects.filter(pk=wave.pk).update(mailing=mailing)
        created = time.perf_counter() - started
        deadline = started + deadline_seconds
        while time.perf_counter() < deadline:
            if not Delivery.objects.filter(mailing=mailing, state__in=Delivery.OPEN_STATES).exists():
                break
            time.sleep(1)
        elapsed = time.perf_counter() - started
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=60)
        sink.terminate()
        sink.wait(timeout=10)
    states = dict(Delivery.objects.filter(mailing=mailing).values_list("state").annotate(n=Count("id")))
    received = [line.split("\t") for path in sink_dir.glob("*.log") for line in path.read_text().splitlines()]
    recipients = [row[0] for row in received]
    address = {m.pk: m.email.lower() for m in Member.objects.filter(pk__in=ids).only("email")}
    expected = set(address.values())
    unfinished = sum(count for state, count in states.items() if state in Delivery.OPEN_STATES)
    # Lost: a delivery that is done but whose e-mail the sink never received. Those still open
    # when the workers were stopped at the deadline are not lost but unsent.
    done = Delivery.objects.filter(mailing=mailing).exclude(state__in=Delivery.OPEN_STATES)
    lost = len({address[pk] for pk in done.values_list("member_id", flat=True)} - set(recipients))
    twice = len(recipients) - len(set(recipients))
    print(f"mail wave: {len(ids):,} deliveries, states {states}, {len(recipients):,} e-mails received by the sink, "
          f"{lost} lost, {twice} received twice, {len(set(recipients) - expected)} unexpected; wave created in "
          f"{created:.1f} s; {len(set(recipients)) / elapsed:.0f} e-mails a second", flush=True)
    if unfinished:
        what = f"wave of {len(ids):,} e-mails, {workers} workers: {len(set(recipients)):,} sent when stopped"
    else:
        what = f"wave of {len(ids):,} e-mails, {workers} workers ({lost} lost, {twice} twice)"
    record(what, [elapsed], 300.0)
    if lost or twice or unfinished:
        ROWS[-1] = (*ROWS[-1][:3], "< 300 s, none lost, none twice (NOT met)", ROWS[-1][4])


def print_table() -> None:
    print("\n| measurement | p50 | p95 | goal | load (1 / 5 / 15 min) |\n|---|---:|---:|---|---|")
    for row in ROWS:
        print("| " + " | ".join(row) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", action="store_true", help="(re)build the database first")
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=100_000, help="members of the second council (send preview)")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--emails", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--mail-deadline", type=float, default=900,
                        help="seconds after which the mail wave's workers are stopped")
    parser.add_argument("--only", default="", help="comma-separated: members,dashboard,send,wave,results,xlsx,mail (none: only build)")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores, load at start {load()}; shared with other jobs, so figures vary "
          "with the load printed beside each", flush=True)
    if args.build:
        recreate_database(DB)
        django_setup(DB)
        from django.core.management import call_command

        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        print(f"  migrate: {time.perf_counter() - started:.1f} s", flush=True)
        from build import build

        build(slug="kbh", n_members=args.members)
        build(slug="small", n_members=args.small, n_surveys=20, big_responses=0)
    else:
        django_setup(DB)
    only = set(filter(None, args.only.split(",")))
    if "none" in only:
        return

    def wanted(name: str) -> bool:
        return not only or name in only

    if wanted("members"):
        member_list("kbh", args.runs)
    if wanted("dashboard"):
        dashboard("kbh", max(5, args.runs // 2))
    if wanted("send"):
        send_preview("small", max(3, args.runs // 4), 1_000, 1.0,
                     f"send page preview, sample of 1,000 from {args.small:,}, five questions")
        send_preview("kbh", max(3, args.runs // 4), 10_000, 2.0,
                     f"send page preview, sample of 10,000 from {args.members:,}, five questions")
    if wanted("wave"):
        send_whole_panel("small")
    if wanted("results"):
        results("kbh", args.runs)
    if wanted("xlsx"):
        xlsx_export("kbh")
    if wanted("mail"):
        mail_wave("kbh", args.emails, args.workers, args.mail_deadline)
    print_table()


if __name__ == "__main__":
    main()
