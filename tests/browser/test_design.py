"""Every resident and staff page of the URL table (test_accessibility.PUBLIC and STAFF, and
sweep_pages.MORE_PUBLIC and MORE_STAFF: events, budgeting, results, newsletters, recruitment), in Danish,
Norwegian Bokmål and English, on a phone (390 x 844) and a laptop (1280 px): nothing wider than the
screen, axe finds nothing, one <h1>, a title and a language, the header takes at most 15 % of a phone's height, every control on a
resident page is at least 44 x 44 px on a phone, and keyboard focus is visible.

One world and one browser context per test, with the pages visited in a loop: each page is loaded
once, in one of the three languages (rotating, so every language is seen on a third of the pages and
every page's texts are checked for width in one language), and checked at 1280 px and then at 390 px
without loading it again. A failure lists every page and problem found, not only the first.
test_the_sweep_covers_every_page fails when a route of the URL table is in no table of pages
(nor declared as no page of its own, with the reason, in sweep_pages.NOT_PAGES).
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core import mail
from django.urls import resolve

from tests.browser.sweep_pages import MORE_PUBLIC, MORE_STAFF, NOT_PAGES, REACHED_THROUGH
from tests.browser.test_accessibility import (
    AXE_OPTIONS,
    IMPORT_CSV,
    POPULATION_BAD_CSV,
    POPULATION_CSV,
    PUBLIC,
    STAFF,
    axe_problems,
    structure_problems,
)
from tests.browser.world import (
    build_world,
    link_path,
    member_session,
    staff_session,
    survey_district_code,
)
from tests.factories import staff_user
from tests.security.world import url_table

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1280, "height": 900}
LANGUAGES = ("da", "nb", "en")
HEADER_SHARE = 0.15
TARGET = 44
# Pages that change who is logged in, or need their own world: visited last or not in the sweep.
LAST = ("staff login", "staff login code", "staff password reset")
# What the world holds for the sweep of the further pages (sweep_pages.py).
MORE_NEEDS = ("links", "survey", "events", "budgeting", "publishing", "recruitment")
# Pages that answer with an error status on purpose (a link that is unknown or has expired).
ERROR_PAGES = {"join confirm expired": (410,), "login link unknown": (404, 410), "unsubscribe unknown": (404, 410),
               "survey closed": (410,), "budgeting resident link expired": (410,)}
AXE_WITHOUT_CONTRAST = {**AXE_OPTIONS, "rules": {"color-contrast": {"enabled": False}}}

WIDER_JS = """() => {
  const width = document.documentElement.clientWidth;
  const inScroller = e => { for (let p = e.parentElement; p; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX; if (o === 'auto' || o === 'scroll' || o === 'hidden') return true; }
    return false; };
  const wide = [...document.body.querySelectorAll('*')].filter(e => {
    const r = e.getBoundingClientRect();
    return r.width > 0 && r.right > width + 1 && e.checkVisibility() && !inScroller(e);
  });
  return [document.documentElement.scrollWidth - width, wide.slice(0, 3).map(e => e.outerHTML.slice(0, 100))];
}"""

# Controls a resident touches. Inline links inside running text are exempt (WCAG 2.5.8 "inline").
TARGETS_JS = """(minimum) => {
  const selector = 'button, a.button, .nav-link, .function-link, select, input:not([type=hidden]):not([type=radio]):not([type=checkbox]),'
    + ' textarea, .form-group-radio > label, .form-group-checkbox > label, .card-link, .sort-link, summary';
  return [...document.querySelectorAll(selector)].filter(e => e.checkVisibility({visibilityProperty: true})
      && !e.closest('.mobile-drawer, .overflow-menu-inner.collapsed, .sr-only'))
    .map(e => [e.getBoundingClientRect(), e.outerHTML.slice(0, 90)])
    .filter(([r]) => r.width > 0 && (r.width < minimum - 0.5 || r.height < minimum - 0.5))
    .map(([r, html]) => `${Math.round(r.width)}x${Math.round(r.height)} ${html}`);
}"""

FOCUS_JS = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) return null;
  const s = getComputedStyle(e);
  const ring = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none';
  return [ring, e.outerHTML.slice(0, 100)];
}"""


def _settle(page) -> None:
    page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")


def _focus_problems(page, tabs: int = 8) -> list[str]:
    problems = []
    for _ in range(tabs):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUS_JS)
        if focused is None:
            break
        if not focused[0]:
            problems.append(f"focus not visible on {focused[1]}")
    return problems


def _laptop_problems(page) -> list[str]:
    _settle(page)
    return structure_problems(page) + _wider(page) + axe_problems(page, AXE_OPTIONS) + _focus_problems(page)


def _phone_problems(page, *, resident: bool) -> list[str]:
    page.set_viewport_size(PHONE)
    _settle(page)
    # Colours do not change with the width: axe's slowest rule ran at 1280 px already.
    problems = _wider(page) + axe_problems(page, AXE_WITHOUT_CONTRAST)
    header = page.evaluate("() => { const h = document.querySelector('header');"
                           " return h ? h.getBoundingClientRect().height : null; }")
    if header is None:
        problems.append("no <header>: the page is not in the site's layout")
    elif header > HEADER_SHARE * PHONE["height"]:
        problems.append(f"the header is {header:.0f} px high, more than 15 % of {PHONE['height']} px")
    if resident:
        problems += [f"touch target smaller than 44x44: {t}" for t in page.evaluate(TARGETS_JS, TARGET)]
    return problems


def _wider(page) -> list[str]:
    overflow, wide = page.evaluate(WIDER_JS)
    return [f"wider than the screen by {overflow} px: {wide}"] if overflow > 1 or wide else []


def _mailing(world) -> None:
    """Send the world's survey to a district through outreach: a mailing and an unsubscribe link."""
    from civicpanel.surveys import services as survey_services

    mail.outbox.clear()
    survey_services.wave_send(council=world.council, actor=None, survey=world.survey,
                              filters={"district": [survey_district_code(world.council)]})
    sent = [m for m in mail.outbox if "List-Unsubscribe" in m.extra_headers]
    assert sent, "the wave sent no e-mail"
    world.paths["unsubscribe"] = link_path(sent[0].extra_headers["List-Unsubscribe"], "/o/unsubscribe/")


def _world(needs=("links", "survey")):
    world = build_world(*needs)
    _mailing(world)
    return world


def _sweep(browser, live_server, table: dict, *, staff: bool, needs=("links", "survey")) -> list[str]:
    world = _world(needs)
    names = [n for n in table if n not in LAST] + [n for n in LAST if n in table]
    problems = []
    context = browser.new_context(viewport=LAPTOP, locale="en-GB", has_touch=True)
    if staff:
        staff_session(context, live_server, world.council, "admin")
    else:
        member_session(context, live_server, world.member)
    page = context.new_page()
    # A page that builds a PDF or a chart can take seconds on a busy test machine.
    page.set_default_timeout(20_000)
    try:
        for index, name in enumerate(names):
            language = LANGUAGES[index % len(LANGUAGES)]
            context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}])
            page.set_viewport_size(LAPTOP)
            who, path, action, _needs = table[name]
            response = page.goto(live_server.url + path(world))
            if action is not None:
                NEUTRAL.get(name, _press_submit)(page, world)
            found = []
            status = response.status if response else 0
            if not 200 <= status < 400 and status not in ERROR_PAGES.get(name, ()):
                found.append(f"HTTP {status or '?'}")
            found += [f"1280px: {p}" for p in _laptop_problems(page)]
            found += [f"390px: {p}" for p in _phone_problems(page, resident=not staff and who != "admin")]
            problems += [f"[{language}] {name} ({page.url}): {p}" for p in found]
    finally:
        context.close()
    return problems


def _press_submit(page, world) -> None:
    """Press the main form's first submit button (in any language); a page without one (an
    unsubscribe already done in an earlier language) is checked as it is."""
    submit = page.locator("main form[method=post] button[type=submit]")
    if submit.count():
        submit.first.click()
        page.wait_for_load_state()


def _upload(content: str):
    def act(page, world):
        page.locator("main input[type=file]").set_input_files(
            files=[{"name": "upload.csv", "mimeType": "text/csv", "buffer": content.encode()}])
        _press_submit(page, world)
    return act


def _password_step(page, world) -> None:
    user = staff_user(world.council, "manager")
    page.locator("input[name=login]").fill(user.email)
    page.locator("input[name=password]").fill("correct horse battery staple")
    _press_submit(page, world)
    page.locator("input[name=code]").wait_for()


def _to_page_two(page, world) -> None:
    """Answer the survey's first page, unless an earlier language already did (the survey then opens on page 2)."""
    travel = page.get_by_role("group", name="How do you travel?")
    if travel.count():
        travel.locator("input").nth(1).check()
        page.get_by_role("group", name="How safe do you feel?").locator("input").nth(1).check()
        _press_submit(page, world)


# The URL table's actions find buttons by their English names; these do the same in any language.
NEUTRAL = {
    "survey page 2": _to_page_two,  # the survey speaks the invited member's language (English)
    "staff login code": _password_step,
    "members import check": _upload(IMPORT_CSV),
    "settings population check": _upload(POPULATION_CSV),
    "settings population errors": _upload(POPULATION_BAD_CSV),
}


def test_resident_pages_in_every_language(browser, live_server):
    problems = _sweep(browser, live_server, PUBLIC, staff=False)
    assert not problems, f"{len(problems)} problems:\n  " + "\n  ".join(problems)


def test_staff_pages_in_every_language(browser, live_server):
    problems = _sweep(browser, live_server, STAFF, staff=True)
    assert not problems, f"{len(problems)} problems:\n  " + "\n  ".join(problems)


def test_more_resident_pages_in_every_language(browser, live_server):
    problems = _sweep(browser, live_server, MORE_PUBLIC, staff=False, needs=MORE_NEEDS)
    assert not problems, f"{len(problems)} problems:\n  " + "\n  ".join(problems)


def test_more_staff_pages_in_every_language(browser, live_server):
    problems = _sweep(browser, live_server, MORE_STAFF, staff=True, needs=MORE_NEEDS)
    assert not problems, f"{len(problems)} problems:\n  " + "\n  ".join(problems)


def test_the_sweep_covers_every_page():
    """Every route of the URL table is a page of one of the sweep's tables, reached through one
    (REACHED_THROUGH), or declared no page of its own with the reason (NOT_PAGES)."""
    world = _world(MORE_NEEDS)
    tables = {**PUBLIC, **STAFF, **MORE_PUBLIC, **MORE_STAFF}
    assert len(tables) == len(PUBLIC) + len(STAFF) + len(MORE_PUBLIC) + len(MORE_STAFF), "a page name is used twice"
    covered = {resolve(urlsplit(spec[1](world)).path).view_name for spec in tables.values()}
    covered |= {page for page, through in REACHED_THROUGH.items() if through in covered}
    routes = {name for _route, name, _callback in url_table()}
    missing = sorted(routes - covered - set(NOT_PAGES))
    assert not missing, ("pages of the URL table that the design sweep does not visit: add them to "
                         f"tests/browser/sweep_pages.py (or to NOT_PAGES, saying why they are no page): {missing}")
    assert not set(NOT_PAGES) - routes, f"NOT_PAGES names routes that no longer exist: {set(NOT_PAGES) - routes}"
    assert not set(NOT_PAGES) & covered, f"NOT_PAGES names pages the sweep visits: {set(NOT_PAGES) & covered}"
