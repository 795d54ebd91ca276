"""Every resident and staff page of the URL table (test_accessibility.PUBLIC and STAFF), in Danish,
Norwegian Bokmål and English, on a phone (390 x 844) and a laptop (1280 px): nothing wider than the
screen, axe finds nothing, the header takes at most 15 % of a phone's height, every control on a
resident page is at least 44 x 44 px on a phone, and keyboard focus is visible.

One world and one browser context per test, with the pages visited in a loop: each page is loaded
once, in one of the three languages (rotating, so every language is seen on a third of the pages and
every page's texts are checked for width in one language), and checked at 1280 px and then at 390 px
without loading it again. A failure lists every page and problem found, not only the first.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core import mail

from tests.browser.test_accessibility import (
    AXE_OPTIONS,
    IMPORT_CSV,
    POPULATION_BAD_CSV,
    POPULATION_CSV,
    PUBLIC,
    STAFF,
    axe_problems,
)
from tests.browser.world import (
    build_world,
    link_path,
    member_session,
    staff_session,
    survey_district_code,
)
from tests.factories import staff_user

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1280, "height": 900}
LANGUAGES = ("da", "nb", "en")
HEADER_SHARE = 0.15
TARGET = 44
# Pages that change who is logged in, or need their own world: visited last or not in the sweep.
LAST = ("staff login", "staff login code", "staff password reset")
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
    return _wider(page) + axe_problems(page, AXE_OPTIONS) + _focus_problems(page)


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


def _sweep(browser, live_server, table: dict, *, staff: bool) -> list[str]:
    world = build_world("links", "survey")
    _mailing(world)
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
            if response is None or response.status >= 500:
                found.append(f"HTTP {response.status if response else '?'}")
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
