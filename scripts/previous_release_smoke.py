#!/usr/bin/env python3
"""The previous release's smoke tests against this release's schema (security requirement H2).

    .venv/bin/python scripts/previous_release_smoke.py                 # the previous release found from git
    .venv/bin/python scripts/previous_release_smoke.py --old v1.4.0    # or named
    .venv/bin/python scripts/previous_release_smoke.py --break rename  # proof: a breaking migration is caught

An upgrade of a running install applies the new release's migrations while web processes and
workers of the old release still serve (docs/operations.md, "Upgrades under load"). Whatever the
migrations change, the old code must keep working on the new schema until it is replaced: a
column it reads must not be renamed or dropped yet, a column it does not know must not be
required on insert. This script tries exactly that:

1. the previous release is the newest release tag that HEAD contains, or, where the project has
   no tags, the commit before the newest commit that changed a migration (the last code that
   ran on the schema before it);
2. that release's files are taken out of git (`git archive`) into a temporary folder;
3. a fresh PostgreSQL database is migrated with this checkout's migrations (uncommitted ones
   included);
4. the previous release's own smoke tests (the files and tests listed in its
   `tests/smoke_tests.txt`, or this release's list where it had none) run with its own code and
   test settings against that database (pytest-django `--reuse-db`: its migrate finds nothing to
   apply, so the schema stays the new one);
5. it exits 0 only if they ran and none failed.

`--break rename|drop|required` adds a throwaway migration after this release's (members.Member:
`birth_year` renamed, `birth_year` dropped, or a NOT NULL column without a database default
added) and expects the smoke tests to fail: the proof that the check catches what it is for.
It exits 0 when they failed, 1 when they did not.

The old code runs with this checkout's virtualenv when the two lock files are the same, and in
a virtualenv made from the old lock file otherwise (which needs the package index). A shallow
clone lacks the history to find the previous release: fetch it (`git fetch --unshallow`) or
name the release with `--old` after fetching it. PostgreSQL is the test suite's
(CIVICPANEL_TEST_POSTGRES_URL, default 127.0.0.1:5432). A release step, not part of the test
suite (it takes minutes).
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MIGRATIONS = ":(glob)civicpanel/**/migrations/*.py"
SMOKE_LIST = Path("tests") / "smoke_tests.txt"
# The PostgreSQL server of the test suite (dev.py): CIVICPANEL_TEST_POSTGRES_URL without its database name.
SERVER = os.environ.get("CIVICPANEL_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test").rsplit("/", 1)[0]


class Refused(Exception):
    """The check cannot be made as asked; the message says why and what to do."""


def git(*args: str, cwd: Path = ROOT) -> str:
    result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True)
    if result.returncode != 0:
        raise Refused(f"git {' '.join(args)}: {result.stderr.strip()}")
    return result.stdout.strip()


def previous_release(root: Path = ROOT, head: str = "HEAD") -> tuple[str, str]:
    """(commit, why it was chosen) of the release before `head`."""
    if git("rev-parse", "--is-shallow-repository", cwd=root) == "true":
        raise Refused("this is a shallow clone: the previous release cannot be found in its history. "
                      "Run `git fetch --unshallow` (or fetch the release and pass --old).")
    head_commit = git("rev-parse", f"{head}^{{commit}}", cwd=root)
    for tag in git("tag", "--merged", head, "--sort=-creatordate", cwd=root).split():
        commit = git("rev-parse", f"{tag}^{{commit}}", cwd=root)
        if commit != head_commit:
            return commit, f"tag {tag}, the newest release tag before {head}"
    changed = git("rev-list", "-1", "--first-parent", head, "--", MIGRATIONS, cwd=root)
    if not changed:
        raise Refused(f"no commit before {head} changed a migration: there is no older schema to try")
    parents = git("rev-list", "--parents", "-n", "1", changed, cwd=root).split()[1:]
    if not parents:
        raise Refused(f"the first migrations came with the first commit ({changed[:10]}): there is no older code")
    subject = git("log", "-1", "--format=%s", changed, cwd=root)[:90]
    return parents[0], (f"no release tags: the code before {changed[:10]} ({subject}), "
                        "the newest commit that changed a migration")


def export_tree(commit: str, dest: Path, root: Path = ROOT) -> None:
    archive = subprocess.run(["git", "archive", "--format=tar", commit], cwd=root, capture_output=True)
    if archive.returncode != 0:
        raise Refused(f"git archive {commit}: {archive.stderr.decode().strip()}")
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(dest, filter="data")


def read_smoke_list(path: Path) -> list[str]:
    """Test files or node ids, one a line; '#' starts a comment."""
    lines = (line.split("#", 1)[0].strip() for line in path.read_text().splitlines())
    return [line for line in lines if line]


def smoke_tests(old: Path, new: Path = ROOT) -> tuple[list[str], list[str], str]:
    """(the tests to run in `old`, listed ones that `old` lacks, where the list came from)."""
    if (old / SMOKE_LIST).is_file():
        listed, source = read_smoke_list(old / SMOKE_LIST), f"the previous release's {SMOKE_LIST}"
    else:
        listed, source = read_smoke_list(new / SMOKE_LIST), f"this release's {SMOKE_LIST} (the previous had none)"
    present = [test for test in listed if (old / test.split("::", 1)[0]).is_file()]
    return present, [test for test in listed if test not in present], source


# A migration of the kind a rolling deploy cannot take, for --break: each leaves the previous
# release's code reading or writing members.Member the way it always did, and failing.
BREAKING = {
    "rename": 'migrations.RenameField("member", "birth_year", "year_of_birth")',
    "drop": 'migrations.RemoveField("member", "birth_year")',
    "required": 'migrations.AddField("member", "referral_source", models.TextField(default="web"))',
}


def write_breaking_migration(new: Path, kind: str, dest: Path) -> str:
    """A copy of members' migrations plus a throwaway one in `dest`, and the settings module that
    points Django at them (MIGRATION_MODULES); returns that module's name."""
    package = dest / "throwaway_migrations"
    members = package / "members"
    members.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    numbered = sorted(p for p in (new / "civicpanel" / "members" / "migrations").glob("[0-9]*.py"))
    for path in [*numbered, new / "civicpanel" / "members" / "migrations" / "__init__.py"]:
        shutil.copy(path, members / path.name)
    last = numbered[-1].stem
    number = int(last.split("_", 1)[0]) + 1
    (members / f"{number:04d}_throwaway_{kind}.py").write_text(
        "from django.db import migrations, models\n\n\n"
        "class Migration(migrations.Migration):\n"
        f'    dependencies = [("members", "{last}")]\n'
        f"    operations = [{BREAKING[kind]}]\n")
    (dest / "throwaway_settings.py").write_text(
        "from civicpanel.config.settings import *  # noqa: F403\n\n"
        'MIGRATION_MODULES = {"members": "throwaway_migrations.members"}\n')
    return "throwaway_settings"


@dataclass
class Outcome:
    tests: int = 0
    failed: int = 0
    errors: int = 0
    skipped: int = 0
    failures: list[str] = field(default_factory=list)

    @property
    def passed(self) -> int:
        return self.tests - self.failed - self.errors - self.skipped


def read_junit(path: Path) -> Outcome:
    outcome = Outcome()
    for suite in ET.parse(path).getroot().iter("testsuite"):  # noqa: S314 - the report pytest just wrote
        outcome.tests += int(suite.get("tests", 0))
        outcome.failed += int(suite.get("failures", 0))
        outcome.errors += int(suite.get("errors", 0))
        outcome.skipped += int(suite.get("skipped", 0))
        for case in suite.iter("testcase"):
            for problem in (*case.findall("failure"), *case.findall("error")):
                message = (problem.get("message") or problem.text or "").strip().splitlines()
                outcome.failures.append(f"{case.get('classname')}::{case.get('name')}: "
                                        f"{message[0][:200] if message else problem.tag}")
    return outcome


def recreate_database(name: str) -> None:
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def drop_database(name: str) -> None:
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def clean_env(**extra: str) -> dict[str, str]:
    drop = {"DATABASE_URL", "DJANGO_SETTINGS_MODULE", "CIVICPANEL_ENV", "TEST_DATABASE_NAME", "PYTHONPATH",
            "CIVICPANEL_DB_TESTS_ONLY", "SECRET_KEY"}
    return {**{k: v for k, v in os.environ.items() if k not in drop}, **extra}


def python_for(old: Path, workdir: Path) -> Path:
    """This checkout's interpreter if the old release locked the same packages, else a new virtualenv."""
    lock = Path("requirements") / "dev.lock"
    if (old / lock).is_file() and (old / lock).read_bytes() == (ROOT / lock).read_bytes():
        return Path(sys.executable)
    venv = workdir / "venv"
    print("  the previous release locked other packages: installing them into a virtualenv of its own", flush=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    if subprocess.run([*pip, "--require-hashes", "-r", str(old / lock)]).returncode != 0:
        raise Refused("the previous release's locked packages could not be installed (is the package index reachable?)")
    return venv / "bin" / "python"


def migrate(database: str, settings: str, pythonpath: Path) -> None:
    env = clean_env(DATABASE_URL=f"{SERVER}/{database}", DJANGO_SETTINGS_MODULE=settings,
                    PYTHONPATH=os.pathsep.join([str(pythonpath), str(ROOT)]))
    result = subprocess.run([sys.executable, "-m", "civicpanel.cli", "migrate", "--no-input", "-v", "1"],
                            cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise Refused(f"this release's migrate failed:\n{(result.stdout + result.stderr)[-3000:]}")
    applied = sum(1 for line in result.stdout.splitlines() if line.strip().startswith("Applying "))
    print(f"  {applied} migrations of this checkout applied", flush=True)


def run_smoke(python: Path, old: Path, tests: list[str], database: str, junit: Path) -> Outcome:
    env = clean_env(DATABASE_URL=f"{SERVER}/{database}", CIVICPANEL_DB_TESTS_ONLY="1", PYTHONPATH=str(old))
    where = subprocess.run([str(python), "-c", "import civicpanel; print(civicpanel.__file__)"], cwd=old, env=env,
                           capture_output=True, text=True)
    if not where.stdout.strip().startswith(str(old)):
        raise Refused(f"the old tests would import civicpanel from {where.stdout.strip() or where.stderr[-300:]}, "
                      f"not from the previous release in {old}")
    xdist = ["-n", "0"] if "pytest-xdist" in (old / "requirements" / "dev.lock").read_text() else []
    command = [str(python), "-m", "pytest", *tests, *xdist, "--reuse-db", "-q", "-p", "no:cacheprovider",
               f"--junitxml={junit}"]
    result = subprocess.run(command, cwd=old, env=env, capture_output=True, text=True)
    tail = "\n".join(result.stdout.splitlines()[-3:])
    print(f"  pytest exit {result.returncode}: {tail.strip()}", flush=True)
    if not junit.is_file():
        raise Refused(f"the smoke tests did not run:\n{(result.stdout + result.stderr)[-3000:]}")
    return read_junit(junit)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--old", help="the previous release: a tag, branch or commit (default: found from git)")
    parser.add_argument("--break", dest="breaking", choices=sorted(BREAKING),
                        help="add a throwaway breaking migration and expect the smoke tests to fail")
    parser.add_argument("--database", default="civicpanel_previous_release",
                        help="the database the old tests are pointed at; test_<name> is created and dropped")
    parser.add_argument("--keep", action="store_true", help="keep the database and the old release's files")
    args = parser.parse_args(argv)
    try:
        import django  # noqa: F401
        import psycopg  # noqa: F401
    except ImportError:
        print("Run this with the project's virtualenv: .venv/bin/python scripts/previous_release_smoke.py")
        return 2
    workdir = Path(tempfile.mkdtemp(prefix="civicpanel-previous-release-"))
    test_database = f"test_{args.database}"
    try:
        if args.old:
            commit, why = git("rev-parse", f"{args.old}^{{commit}}"), f"named: {args.old}"
        else:
            commit, why = previous_release()
        print(f"previous release: {commit[:10]}, {why}", flush=True)
        old = workdir / "previous"
        old.mkdir()
        export_tree(commit, old)
        tests, missing, source = smoke_tests(old)
        print(f"  smoke tests from {source}: {len(tests)} entries", flush=True)
        for test in missing:
            print(f"  not in the previous release, left out: {test}")
        if not tests:
            raise Refused("none of the listed smoke tests exists in the previous release")
        python = python_for(old, workdir)
        recreate_database(test_database)
        settings = "civicpanel.config.settings"
        if args.breaking:
            settings = write_breaking_migration(ROOT, args.breaking, workdir)
            print(f"  with a throwaway breaking migration: {BREAKING[args.breaking]}", flush=True)
        migrate(test_database, settings, workdir)
        outcome = run_smoke(python, old, tests, args.database, workdir / "smoke.xml")
    except Refused as refusal:
        print(f"FAIL: {refusal}")
        return 2
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
            try:
                drop_database(test_database)
            except Exception as error:  # noqa: BLE001 - the outcome above matters more than the tidying
                print(f"  (could not drop {test_database}: {error})")
    print(f"previous release's smoke tests against this schema: {outcome.tests} run, {outcome.passed} passed, "
          f"{outcome.failed} failed, {outcome.errors} errors, {outcome.skipped} skipped")
    for line in outcome.failures[:15]:
        print("  " + line)
    broken = outcome.failed + outcome.errors
    if args.breaking:
        print("PASS: the breaking migration was caught" if broken else "FAIL: the breaking migration was not caught")
        return 0 if broken else 1
    ok = broken == 0 and outcome.passed > 0
    print("PASS" if ok else "FAIL")
    if args.keep:
        print(f"  kept: {workdir}, database {test_database}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
