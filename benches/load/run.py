"""The load benchmark: simulated respondents answer a three-page survey through gunicorn (several
web processes) against PostgreSQL while two mail workers send the survey's invitation wave to a
local SMTP sink; everything on the loopback address.

    .venv/bin/python benches/load/run.py                       # 1,000 respondents, 10 minutes
    .venv/bin/python benches/load/run.py --users 100 --duration 60

It builds its own database (`wt_scale_load`, or BENCH_DB), stops by itself, prints the figures
beside the goals with the machine's load, and exits 0 only when every criterion holds:
submit p95 < 300 ms and p99 < 800 ms, no failed request, and the completed responses in the
database equal to locust's successful final submits. `--no-timing` keeps only the last two
(the test suite's 60-second run).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "scale"))

from common import ROOT, django_setup, load, recreate_database  # noqa: E402

THINK = "3,10"
THANKS = "load-test-thanks"
GOALS = {"p95": 300, "p99": 800}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(*, members: int, workdir: Path) -> dict:
    """A council, `members` panel members, an open three-page survey, and its invitation wave
    queued for the mail workers (through the same services staff use). Writes the personal
    links (rebuilt as the worker rebuilds them) and the survey's fields for locust."""
    from django.utils import timezone

    from civicpanel.members.models import Member
    from civicpanel.panel.defaults import council_setup_defaults
    from civicpanel.surveys import services, waves
    from civicpanel.surveys.invitations import invitation_path
    from civicpanel.surveys.models import Invitation, Page, Survey
    from civicpanel.tenancy.models import Council, District

    def t(text: str) -> dict:
        return {"da": text, "en": text}

    def opts(*labels: str) -> list[dict]:
        return [{"code": str(i), "label": t(label)} for i, label in enumerate(labels, start=1)]

    # Its own domain, as in production: the respondents' host names the council.
    council = Council.objects.create(slug="load", name="Belastningsprøve", domain="127.0.0.1", languages=["da", "en"],
                                     default_language="da", contact_email="panel@load.example")
    District.objects.create(council=council, name="Midtby", postal_codes=["8000"], order=0)
    council_setup_defaults(council=council)
    now = timezone.now()
    Member.objects.bulk_create([
        Member(council=council, email=f"resident{i}@load.example", name=f"Resident {i}", status="active",
               confirmed_at=now) for i in range(members)
    ], batch_size=1000)
    survey = services.survey_create(council=council, actor=None, title=t("Byens parker"), thanks=t(THANKS))
    first = Page.objects.get(survey=survey)
    pages = [first, services.page_add(council=council, actor=None, survey=survey),
             services.page_add(council=council, actor=None, survey=survey)]
    fields = [
        [("single", "Hvordan kommer du til parken?", opts("Til fods", "Cykel", "Bil", "Bus")),
         ("scale", "Hvor tilfreds er du med parkerne?", None)],
        [("multi", "Hvad savner du?", opts("Træer", "Bænke", "Lys", "Toiletter")),
         ("yesno", "Bruger du parken om aftenen?", None)],
        [("number", "Hvor mange dage om måneden?", None),
         ("single", "Hvem bruger du parken med?", opts("Alene", "Familie", "Venner"))],
    ]
    layout = []
    for page, specs in zip(pages, fields, strict=True):
        entries = []
        for kind, text, options in specs:
            settings = {"scale_min": 1, "scale_max": 5, "low_label": t("Lav"), "high_label": t("Høj")} \
                if kind == "scale" else {"min": 0, "max": 31} if kind == "number" else \
                {"max_choices": 2} if kind == "multi" else {}
            question = services.question_create(council=council, actor=None, page=page, kind=kind, text=t(text),
                                                required=True, options=options or [], settings=settings)
            values = ([o["code"] for o in options] if options else ["1", "2", "3", "4", "5"] if kind == "scale"
                      else ["yes", "no"] if kind == "yesno" else [str(n) for n in range(32)])
            entries.append({"name": f"q_{question.uid}", "values": values, "multi": kind == "multi",
                            "max": 2 if kind == "multi" else 1})
        layout.append({"id": page.pk, "fields": entries})
    # What every survey must say before it is sent (why it is asked, for whom, what happens next).
    Survey.objects.filter(pk=survey.pk).update(purpose=t("Planlægning af byens parker"),
                                               committee=t("Teknik- og Miljøudvalget"),
                                               answers_use=t("Svarene indgår i parkplanen."))
    survey.refresh_from_db()
    services.survey_open(council=council, actor=None, survey=survey)
    started = time.perf_counter()
    wave = services.wave_send(council=council, actor=None, survey=survey, filters={"status": ["active"]})
    sent = time.perf_counter()
    # The worker's part (a wave this large is written by the worker), done here so that the
    # links exist before the respondents start; the queued task then finds it done.
    wave = waves.wave_prepare(wave_id=wave.pk)
    print(f"  invitation wave of {wave.recipient_count:,}: the send page's part {sent - started:.1f} s, "
          f"the worker's {time.perf_counter() - sent:.1f} s (load {load()})", flush=True)
    links = [invitation_path(inv) for inv in Invitation.objects.filter(survey=survey).order_by("-pk")]
    (workdir / "links.txt").write_text("\n".join(links))
    (workdir / "survey.json").write_text(json.dumps({"survey": survey.pk, "pages": layout}))
    return {"survey": survey.pk, "mailing": wave.mailing_id}


def _spawn(cmd: list[str], env: dict, log: Path) -> subprocess.Popen:
    return subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=log.open("ab"), stderr=subprocess.STDOUT,
                            start_new_session=True)


def _stop(proc: subprocess.Popen, timeout: float = 60) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _wait_http(port: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"gunicorn did not listen on {port} within {timeout} s")


def _warm(port: int, workdir: Path, web_workers: int) -> None:
    """Open a few links and their first pages before the CPU is counted, so each web process has
    loaded its templates, translations and the survey (what a process does once, not per
    request). Opening a link writes nothing: locust may open the same ones later."""
    import http.client

    links = (workdir / "links.txt").read_text().split()[:10 * web_workers]
    for link in links:
        # A connection each: gunicorn hands connections, not requests, to its processes.
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        connection.request("GET", link)
        opened = connection.getresponse()
        cookie = opened.getheader("Set-Cookie", "").split(";")[0]
        opened.read()
        connection.request("GET", opened.getheader("Location", "/"), headers={"Cookie": cookie})
        connection.getresponse().read()
        connection.close()


def _cpu_seconds(groups: dict[str, list[subprocess.Popen]]) -> dict[str, dict]:
    """CPU seconds (user + system) used so far by each process of each group (with its
    children), and by every PostgreSQL server process on the machine, by process id; under
    "reaped", what the group's ended processes used, as their parents (gunicorn's master,
    PostgreSQL's postmaster) count it: PostgreSQL ends a connection's process when Django
    closes the connection (CONN_MAX_AGE), so most of its work is there on a long run."""
    import psutil

    def used(process, children: bool = False) -> float:
        try:
            times = process.cpu_times()
            return times.children_user + times.children_system if children else times.user + times.system
        except psutil.Error:
            return 0.0

    seconds: dict[str, dict] = {}
    for name, popens in groups.items():
        tops = [psutil.Process(p.pid) for p in popens if p.poll() is None]
        seconds[name] = {p.pid: used(p) for top in tops for p in [top, *top.children(recursive=True)]}
        seconds[name]["reaped"] = sum(used(top, children=True) for top in tops)
    servers = [p for p in psutil.process_iter(["name", "ppid"]) if p.info["name"] == "postgres"]
    seconds["postgres"] = {p.pid: used(p) for p in servers}
    pids = {p.pid for p in servers}
    seconds["postgres"]["reaped"] = sum(used(p, children=True) for p in servers if p.info["ppid"] not in pids)
    return seconds


def _cpu_used(before: dict, after: dict) -> float:
    """CPU seconds used between two readings: by the processes alive at the second, and by those
    that ended in between (their parent's count of its ended children grew by their whole life,
    so what they had used by the first reading is taken off)."""
    alive = sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items() if pid != "reaped")
    ended = sum(seconds for pid, seconds in before.items() if pid != "reaped" and pid not in after)
    return alive + after["reaped"] - before["reaped"] - ended


def run_load(*, database_url: str, users: int, duration: int, web_workers: int, mail_workers: int,
             workdir: Path, survey: int, mailing: int, spawn_rate: float | None = None, during=None,
             mail_per_second: float = 10, web_threads: int = 4) -> dict:
    """Start the sink, gunicorn and the mail workers, run locust headless for `duration` seconds
    (it stops by itself), stop everything and return the counts and locust's figures. `during`
    (a function) runs in a thread beside locust, e.g. a migration (benches/migrations)."""
    from django.db.models import Count

    from civicpanel.outreach.models import Delivery
    from civicpanel.surveys.models import Response

    python = sys.executable
    bin_dir = Path(python).parent
    smtp_port, web_port = free_port(), free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
           "DJANGO_SETTINGS_MODULE": "civicpanel.config.settings", "DEBUG": "false", "CIVICPANEL_ENV": "development",
           "CIVICPANEL_MAIL_RUNS_PER_WAVE": str(mail_workers),
           # Production's pace by default (10 e-mails a second per council); 0 sends unpaced, so
           # the workers load the database as much as they can beside the respondents.
           "CIVICPANEL_MAIL_PER_SECOND": str(mail_per_second),
           "CIVICPANEL_DATA_DIR": str(workdir / "data"), "PYTHONPATH": str(ROOT)}
    env.pop("CIVICPANEL_DB_TESTS_ONLY", None)
    procs = []
    try:
        procs.append(_spawn([python, str(HERE.parent / "scale" / "sink.py"), str(smtp_port), str(workdir / "sink")],
                            env, workdir / "sink.log"))
        procs.append(_spawn([str(bin_dir / "gunicorn"), "civicpanel.config.wsgi:application",
                             "--bind", f"127.0.0.1:{web_port}", "--workers", str(web_workers),
                             "--worker-class", "gthread", "--threads", str(web_threads), "--timeout", "120",
                             "--logger-class", "civicpanel.common.gunicorn.RedactingGunicornLogger"],
                            env, workdir / "gunicorn.log"))
        for i in range(mail_workers):
            procs.append(_spawn([python, "-m", "civicpanel.cli", "db_worker", "--queue-name", "mail,default",
                                 "--no-reload", "--interval", "0.5", "--verbosity", "1"],
                                {**env, "PYTHONUNBUFFERED": "1"}, workdir / f"worker-{i + 1}.log"))
        _wait_http(web_port)
        _warm(web_port, workdir, web_workers)
        groups = {"web": [procs[1]], "mail": procs[2:]}
        cpu_before = _cpu_seconds(groups)
        rate = spawn_rate or max(1.0, users / 30)
        locust_env = {**env, "LOAD_LINKS": str(workdir / "links.txt"), "LOAD_SURVEY": str(workdir / "survey.json"),
                      "LOAD_RESULT": str(workdir / "locust-counts.json"), "LOAD_THINK": THINK}
        print(f"  locust: {users:,} users (spawned at {rate:.0f}/s), {duration} s, web {web_workers} gunicorn "
              f"processes x {web_threads} threads, {mail_workers} mail workers at {mail_per_second or 'no limit of'} e-mails a second "
              f"(load {load()})", flush=True)
        started = time.perf_counter()
        beside = threading.Thread(target=during) if during else None
        if beside:
            beside.start()
        result = subprocess.run([str(bin_dir / "locust"), "-f", str(HERE / "locustfile.py"), "--headless",
                                 "--users", str(users), "--spawn-rate", str(rate), "--run-time", f"{duration}s",
                                 "--stop-timeout", "60", "--host", f"http://127.0.0.1:{web_port}",
                                 "--csv", str(workdir / "locust"), "--only-summary", "--loglevel", "WARNING"],
                                env=locust_env, cwd=ROOT, capture_output=True, text=True)
        wall = time.perf_counter() - started
        cpu_after = _cpu_seconds(groups)
        cpu = {name: _cpu_used(cpu_before[name], cpu_after[name]) for name in cpu_after}
        if beside:
            beside.join()
        load_at_end = load()
    finally:
        for proc in reversed(procs):
            _stop(proc)
    counts = json.loads((workdir / "locust-counts.json").read_text())
    stats = {row["Name"]: row for row in csv.DictReader((workdir / "locust_stats.csv").open())}
    failures = list(csv.DictReader((workdir / "locust_failures.csv").open()))
    completed = Response.objects.filter(survey_id=survey, completed_at__isnull=False).count()
    deliveries = dict(Delivery.objects.filter(mailing_id=mailing).values_list("state").annotate(n=Count("id")))
    runs = []
    for i in range(mail_workers):
        text = (workdir / f"worker-{i + 1}.log").read_text(errors="replace")
        runs.append(sum(int(n) for n in re.findall(r"'sent': (\d+)", text)))
    sink_lines = [line for path in (workdir / "sink").glob("*.log") for line in path.read_text().splitlines()]
    recipients = [line.split("\t")[0] for line in sink_lines]
    return {"locust_exit": result.returncode, "locust_stderr": result.stderr[-3000:], "wall": wall, "cpu": cpu, "users": users,
            "load_at_end": load_at_end, "counts": counts, "stats": stats, "failures": failures,
            "completed_in_db": completed, "deliveries": deliveries, "sent_per_worker": runs,
            "emails_received": len(recipients), "emails_received_twice": len(recipients) - len(set(recipients))}


def verdict(outcome: dict, *, timing: bool) -> tuple[bool, list[str]]:
    """Whether the run met its criteria, and the lines that say so."""
    submit = outcome["stats"].get("submit", {})
    total = outcome["stats"].get("Aggregated", {})
    requests, failed = int(total.get("Request Count", 0)), int(total.get("Failure Count", 0))
    p95, p99 = float(submit.get("95%", "nan") or "nan"), float(submit.get("99%", "nan") or "nan")
    submitted = int(submit.get("Request Count", 0)) - int(submit.get("Failure Count", 0))
    lines = [
        f"requests: {requests:,}, failed: {failed} (goal 0)",
        f"final submits: {submitted:,} successful; completed responses in the database: "
        f"{outcome['completed_in_db']:,} (goal: equal)",
        f"submit p50 {float(submit.get('50%', 'nan') or 'nan'):.0f} ms, p95 {p95:.0f} ms (goal < {GOALS['p95']}), "
        f"p99 {p99:.0f} ms (goal < {GOALS['p99']})",
        f"mail: {outcome['deliveries']} deliveries; sent per worker in finished runs {outcome['sent_per_worker']}; "
        f"{outcome['emails_received']:,} e-mails at the sink, {outcome['emails_received_twice']} twice",
    ]
    ok = failed == 0 and submitted == outcome["completed_in_db"] and submitted > 0 \
        and outcome["emails_received_twice"] == 0
    if timing:
        ok = ok and p95 < GOALS["p95"] and p99 < GOALS["p99"]
    cpu = outcome.get("cpu")
    if cpu and requests:
        # What a request costs the machine, whatever else ran beside it: the cores the offered
        # load needs follow from it (a respondent asks for 4 pages per 3 thinks).
        web, database = 1000 * cpu["web"] / requests, 1000 * cpu["postgres"] / requests
        offered = outcome["users"] * 4 / (3 * sum(float(x) for x in THINK.split(",")) / 2)
        lines.append(f"CPU per request: web {web:.1f} ms, PostgreSQL {database:.1f} ms (all its processes); "
                     f"mail workers {cpu['mail']:.0f} s in all; served {requests / outcome['wall']:.0f} requests a "
                     f"second; the respondents offer about {offered:.0f} a second, which at this cost needs "
                     f"{offered * (web + database) / 1000:.1f} cores for the web processes and PostgreSQL alone")
    return ok, lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--duration", type=int, default=600, help="seconds")
    parser.add_argument("--web-workers", type=int, default=3)
    parser.add_argument("--web-threads", type=int, default=4, help="threads per web process")
    parser.add_argument("--mail-workers", type=int, default=2)
    parser.add_argument("--members", type=int, default=0, help="panel size (default: enough links for the run)")
    parser.add_argument("--mail-per-second", type=float, default=10,
                        help="the mail workers' pace (production: 10); 0 sends as fast as they can")
    parser.add_argument("--no-timing", action="store_true", help="check only zero failures and zero loss")
    args = parser.parse_args()
    database = os.environ.get("BENCH_DB", "wt_scale_load")
    print(f"machine: {os.cpu_count()} cores, load at start {load()}; shared with other jobs, so timings vary "
          "with the load printed beside them", flush=True)
    recreate_database(database)
    django_setup(database)
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    # Enough links that no respondent runs out: a survey takes three thinks (6.5 s on average).
    members = args.members or int(args.users * (args.duration / (3 * 5) + 1))
    workdir = Path(tempfile.mkdtemp(prefix="civicpanel-load-"))
    ids = prepare(members=members, workdir=workdir)
    url = os.environ["DATABASE_URL"]
    connection.close()
    outcome = run_load(database_url=url, users=args.users, duration=args.duration, web_workers=args.web_workers,
                       web_threads=args.web_threads, mail_workers=args.mail_workers, workdir=workdir,
                       mail_per_second=args.mail_per_second, **ids)
    ok, lines = verdict(outcome, timing=not args.no_timing)
    print(f"\nload benchmark: {args.users:,} respondents, {args.duration} s (locust ran {outcome['wall']:.0f} s), "
          f"think {THINK} s per page; load at the end {outcome['load_at_end']}")
    for line in lines:
        print("  " + line)
    if outcome["failures"]:
        print("  failures:", outcome["failures"][:5])
    if outcome["locust_exit"] not in (0, 1):
        print(outcome["locust_stderr"])
    print(f"  files: {workdir}")
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
