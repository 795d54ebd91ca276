"""How scripts/previous_release_smoke.py (H2) finds the previous release, its smoke tests and its
result. The whole check (a database migrated by this release, the old release's tests against it,
and the proof with a breaking migration) takes minutes and is a release step, not part of the
suite: docs/operations.md, "Upgrades under load"."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("previous_release_smoke", ROOT / "scripts" / "previous_release_smoke.py")
smoke = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = smoke  # dataclasses look their module up there
spec.loader.exec_module(smoke)


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args], cwd=repo,
                          capture_output=True, text=True, check=True).stdout.strip()


def _commit(repo: Path, path: str, message: str) -> str:
    (repo / path).parent.mkdir(parents=True, exist_ok=True)
    (repo / path).write_text(message)
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", message)
    return _git(repo, "rev-parse", "HEAD")


@pytest.fixture
def history(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    first = _commit(repo, "civicpanel/members/migrations/0001_initial.py", "first")
    before = _commit(repo, "civicpanel/members/views.py", "a page")
    change = _commit(repo, "civicpanel/members/migrations/0002_more.py", "a migration")
    _commit(repo, "docs/notes.md", "docs after it")
    return repo, {"first": first, "before": before, "change": change}


def test_without_tags_the_previous_release_is_the_code_before_the_newest_migration(history):
    repo, commits = history
    commit, why = smoke.previous_release(repo)
    assert commit == commits["before"]
    assert commits["change"][:10] in why and "a migration" in why


def test_the_newest_release_tag_before_head_comes_first(history):
    repo, commits = history
    _git(repo, "tag", "v1.0", commits["first"])
    _git(repo, "tag", "v-head", "HEAD")  # a tag on HEAD itself is this release, not the previous one
    commit, why = smoke.previous_release(repo)
    assert commit == commits["first"] and "v1.0" in why


def test_a_shallow_clone_is_named_as_such(history, tmp_path):
    repo, _ = history
    shallow = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{repo}", str(shallow)], check=True)
    with pytest.raises(smoke.Refused, match="shallow clone.*git fetch --unshallow"):
        smoke.previous_release(shallow)


def test_the_first_migrations_have_no_older_code(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    _commit(repo, "civicpanel/members/migrations/0001_initial.py", "first")
    with pytest.raises(smoke.Refused, match="no older code"):
        smoke.previous_release(repo)


def test_the_old_release_is_exported_from_git_as_it_was(history, tmp_path):
    repo, commits = history
    old = tmp_path / "old"
    old.mkdir()
    smoke.export_tree(commits["before"], old, root=repo)
    assert (old / "civicpanel/members/views.py").is_file()
    assert not (old / "civicpanel/members/migrations/0002_more.py").exists()


def test_the_old_releases_own_list_is_used_and_missing_files_are_named(tmp_path):
    old, new = tmp_path / "old", tmp_path / "new"
    for tree, listed in ((old, "tests/a.py  # a\n\n# a comment\ntests/b.py::test_x\n"), (new, "tests/c.py\n")):
        (tree / "tests").mkdir(parents=True)
        (tree / smoke.SMOKE_LIST).write_text(listed)
    (old / "tests" / "a.py").write_text("")
    tests, missing, source = smoke.smoke_tests(old, new)
    assert (tests, missing) == (["tests/a.py"], ["tests/b.py::test_x"]) and "previous release" in source
    (old / smoke.SMOKE_LIST).unlink()
    (old / "tests" / "c.py").write_text("")
    assert smoke.smoke_tests(old, new)[:2] == (["tests/c.py"], [])


def test_this_releases_smoke_list_names_existing_tests():
    listed = smoke.read_smoke_list(ROOT / smoke.SMOKE_LIST)
    assert listed and all((ROOT / test.split("::", 1)[0]).is_file() for test in listed)


def test_the_throwaway_migration_follows_the_newest_members_migration(tmp_path):
    module = smoke.write_breaking_migration(ROOT, "rename", tmp_path)
    newest = sorted((ROOT / "civicpanel/members/migrations").glob("[0-9]*.py"))[-1].stem
    (throwaway,) = (tmp_path / "throwaway_migrations/members").glob("*_throwaway_rename.py")
    text = throwaway.read_text()
    assert f'("members", "{newest}")' in text and 'RenameField("member", "birth_year"' in text
    assert "throwaway_migrations.members" in (tmp_path / f"{module}.py").read_text()
    compile(text, str(throwaway), "exec")


def test_failures_and_errors_both_count_against_the_release(tmp_path):
    report = tmp_path / "junit.xml"
    report.write_text(
        '<testsuites><testsuite tests="4" failures="1" errors="1" skipped="1">'
        '<testcase classname="tests.a" name="test_ok"/>'
        '<testcase classname="tests.a" name="test_reads"><failure message="column birth_year does not exist"/></testcase>'
        '<testcase classname="tests.a" name="test_writes"><error message="null value in column x"/></testcase>'
        '<testcase classname="tests.a" name="test_skipped"><skipped/></testcase>'
        "</testsuite></testsuites>")
    outcome = smoke.read_junit(report)
    assert (outcome.passed, outcome.failed, outcome.errors, outcome.skipped) == (1, 1, 1, 1)
    assert outcome.failures == ["tests.a::test_reads: column birth_year does not exist",
                                "tests.a::test_writes: null value in column x"]
