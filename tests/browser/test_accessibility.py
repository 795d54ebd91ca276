"""Every page a person sees, checked with axe-core against WCAG 2.0/2.1 A and AA, plus what axe
cannot see: a language on <html>, a title, one <h1>, and a skip link that works by keyboard.

One test per page, so a failure names the page; the message lists each rule broken, its
impact and the HTML it was found on.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse

from tests.browser.world import World, build_world, member_session, staff_session
from tests.factories import staff_user

pytestmark = pytest.mark.django_db(transaction=True)

AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}
_axe = Axe()


def axe_problems(page, options: dict = AXE_OPTIONS) -> list[str]:
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(_axe.axe_script)
    results = page.evaluate("(options) => axe.run(document, options)", options)
    problems = []
    for violation in results["violations"]:
        for node in violation["nodes"]:
            problems.append(f"axe {violation['id']} ({violation['impact']}): {', '.join(map(str, node['target']))}"
                            f" -> {node['html'][:200]}  [{violation['help']}]")
    return problems


def reflow_problems(page) -> list[str]:
    """At 320 CSS px wide nothing but a data table (in its own scroller) may need sideways
    scrolling (WCAG 1.4.10), and a scroller must be reachable by keyboard."""
    size = page.viewport_size
    page.set_viewport_size({"width": 320, "height": 640})
    page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")
    try:
        wider = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        problems = [f"at 320 px wide the page scrolls sideways by {wider} px"] if wider > 1 else []
        return problems + axe_problems(page, {"runOnly": {"type": "rule", "values": ["scrollable-region-focusable"]},
                                              "resultTypes": ["violations"]})
    finally:
        page.set_viewport_size(size)


def structure_problems(page) -> list[str]:
    problems = []
    if not (page.locator("html").get_attribute("lang") or "").strip():
        problems.append("<html> has no lang")
    if not page.title().strip():
        problems.append("no <title>")
    h1_count = page.locator("h1").count()
    if h1_count != 1:
        problems.append(f"{h1_count} <h1> elements, not one")
    # axe only lists these as "needs review": a description or label that points at nothing.
    broken = page.evaluate("""() => [...document.querySelectorAll('[aria-describedby], [aria-labelledby]')]
        .flatMap(e => ['aria-describedby', 'aria-labelledby'].flatMap(attr => (e.getAttribute(attr) || '')
            .split(/\\s+/).filter(id => id && !document.getElementById(id))
            .map(id => `${e.tagName.toLowerCase()}[name=${e.getAttribute('name')}] ${attr}="${id}"`)))""")
    problems += [f"reference to a missing id: {item}" for item in broken]
    return problems


def skip_link_problems(page) -> list[str]:
    """Tab once from a fresh load: the skip link has focus; Enter: focus is in <main>."""
    page.keyboard.press("Tab")
    focused = page.evaluate("() => { const e = document.activeElement;"
                            " return e ? [e.tagName, e.getAttribute('href') || '', e.textContent.trim()] : null; }")
    if not focused or focused[0] != "A" or not focused[1].startswith("#"):
        return [f"the first Tab does not reach a skip link (focus on {focused})"]
    box = page.evaluate("() => { const r = document.activeElement.getBoundingClientRect();"
                        " return [r.left, r.top, r.width, r.height]; }")
    if box[0] < 0 or box[1] < 0 or box[2] < 10 or box[3] < 10:
        return [f"the focused skip link is not visible on screen (box {box})"]
    target = focused[1][1:]
    page.keyboard.press("Enter")
    inside = page.evaluate("(id) => { const t = document.getElementById(id); const a = document.activeElement;"
                           " return !!t && t.tagName === 'MAIN' && (a === t || t.contains(a)); }", target)
    return [] if inside else [f"Enter on the skip link ({focused[1]}) does not move focus into <main>"]


def check_page(page, url: str, *, world: World, action: Callable | None = None, skip_link: bool = True) -> None:
    response = page.goto(url)
    assert response is not None and response.status < 500, f"{url}: HTTP {response and response.status}"
    if action is not None:
        action(page, world)
    problems = structure_problems(page)
    if skip_link and action is None:
        problems += skip_link_problems(page)
    problems += axe_problems(page)
    problems += reflow_problems(page)
    assert not problems, f"{page.url} (HTTP {response.status}):\n  " + "\n  ".join(problems)


# --- The pages ---------------------------------------------------------------------------------
# Each entry: name -> (who is logged in: None | "member" | "admin", path from the world, an action
# after loading, whether the survey data is needed).

def _submit(button: str) -> Callable:
    """Press the form's button (by its English name; on the Danish phone, the form's only submit button)."""
    def act(page, world):
        named = page.locator("main").get_by_role("button", name=button)
        (named if named.count() else page.locator("main form[method=post] button[type=submit]").first).click()
        page.wait_for_load_state()
    return act


def _survey(world: World):
    return world.survey


def _first(model, **filters):
    return model.objects.filter(**filters).order_by("pk").first()


def _ids(world: World) -> dict:
    from civicpanel.accounts.models import StaffMembership
    from civicpanel.outreach.models import Mailing
    from civicpanel.panel.models import ProfileOption, ProfileQuestion

    council = world.council
    gender = ProfileQuestion.objects.get(council=council, key="gender")
    return {
        "district": council.districts.order_by("order").first().pk,
        "question": gender.pk,
        "option": _first(ProfileOption, question=gender).pk,
        "membership": _first(StaffMembership, council=council).pk,
        "mailing": _first(Mailing, council=council).pk if _first(Mailing, council=council) else None,
    }


def _page_of(world: World, index: int = 0) -> int:
    return world.survey.pages.order_by("order")[index].pk


def _answer_first_page(page, world):
    page.get_by_role("group", name="How do you travel?").get_by_label("Bike").check()
    page.get_by_role("group", name="How safe do you feel?").get_by_label("2", exact=True).check()
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_text("Page 2 of 2").wait_for()


def _password_step(page, world):
    user = staff_user(world.council, "manager")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Sign In").click()
    page.get_by_label("Code").wait_for()


def _upload(label: str, button: str, content: str, then: str) -> Callable:
    """Upload a file and land on the check page, which offers the button `then`."""
    def act(page, world):
        page.get_by_label(label).set_input_files(
            files=[{"name": "upload.csv", "mimeType": "text/csv", "buffer": content.encode()}])
        page.get_by_role("button", name=button).click()
        page.get_by_role("button", name=then).wait_for()
    return act


IMPORT_CSV = ("email;name;language;birth_year;postal_code;district;gender;education;employment;housing\n"
              "ny@example.net;Ny Person;da;1970;2500;vigerslev;woman;master;employed;owner\n"
              "not-an-address;Bad Line;da;1970;2500;vigerslev;woman;master;employed;owner\n")
POPULATION_CSV = "question;category;count\ngender;woman;5100\ngender;man;4900\ngender;other;100\n"
POPULATION_BAD_CSV = "question;category;count\ngender;woman;5100\ngender;nobody;3\n"


R = reverse
LINKS, SURVEY, MAILING = ("links",), ("survey",), ("mailing",)

# name -> (who is logged in: None | "member" | a staff role, path, action after loading, world needs)
PUBLIC: dict[str, tuple] = {
    "home": (None, lambda w: "/", None, ()),
    "join": (None, lambda w: R("members:signup"), None, ()),
    "join with errors": (None, lambda w: R("members:signup"), _submit("Sign up"), ()),
    "join sent": (None, lambda w: R("members:signup_sent"), None, ()),
    "join confirm": (None, lambda w: w.paths["confirm"], None, LINKS),
    "join confirm expired": (None, lambda w: w.paths["confirm_expired"], None, LINKS),
    "login": (None, lambda w: R("members:login"), None, ()),
    "login with errors": (None, lambda w: R("members:login"), _submit("Send me a login link"), ()),
    "login sent": (None, lambda w: R("members:login_sent"), None, ()),
    "login link": (None, lambda w: w.paths["login_link"], None, LINKS),
    "login link unknown": (None, lambda w: R("members:login_token", args=["not-a-token"]), None, ()),
    "login to leave": (None, lambda w: R("members:login") + "?next=/me/leave/", None, ()),
    "login to leave with errors": (None, lambda w: R("members:login") + "?next=/me/leave/",
                                   _submit("Send me the link"), ()),
    "login to leave sent": (None, lambda w: R("members:login_sent") + "?next=/me/leave/", None, ()),
    "leave link": (None, lambda w: w.paths["leave_link"], None, LINKS),
    "leave link with errors": (None, lambda w: w.paths["leave_link"],
                               _submit("Leave the panel and erase my data"), LINKS),
    "left": (None, lambda w: R("members:left"), None, ()),
    "privacy": (None, lambda w: R("privacy"), None, ()),
    "accessibility": (None, lambda w: R("accessibility"), None, ()),
    "me": ("member", lambda w: R("members:home"), None, ()),
    "me profile": ("member", lambda w: R("members:profile"), None, ()),
    "me preferences": ("member", lambda w: R("members:preferences"), None, ()),
    "me data": ("member", lambda w: R("members:data"), None, ()),
    "me consent": ("member", lambda w: R("members:consent"), None, ()),
    "me leave": ("member", lambda w: R("members:leave"), None, ()),
    "me leave with errors": ("member", lambda w: R("members:leave"),
                             _submit("Leave the panel and erase my data"), ()),
    "unsubscribe": (None, lambda w: w.paths["unsubscribe"], None, MAILING),
    "unsubscribe done": (None, lambda w: w.paths["unsubscribe"], _submit("Unsubscribe"), MAILING),
    "unsubscribe unknown": (None, lambda w: R("outreach:unsubscribe", args=["not-a-token"]), None, ()),
    "survey page": (None, lambda w: w.paths["survey"], None, SURVEY),
    "survey page with errors": (None, lambda w: w.paths["survey"], _submit("Save and continue"), SURVEY),
    "survey closed": (None, lambda w: w.paths["survey_closed"], None, SURVEY),
    "survey page 2": (None, lambda w: w.paths["survey"], _answer_first_page, SURVEY),
    "survey thanks": (None, lambda w: w.paths["survey_done"], None, SURVEY),
    "staff login": (None, lambda w: R("account_login"), None, ()),
    "staff login code": (None, lambda w: R("account_login"), _password_step, ()),
    "staff password reset": (None, lambda w: R("account_reset_password"), None, ()),
}

STAFF: dict[str, tuple] = {
    "overview": ("admin", lambda w: R("staff:home"), None, ()),
    "members": ("manager", lambda w: R("staff:members"), None, ()),
    "member": ("manager", lambda w: R("staff:member_detail", args=[w.member.pk]), None, ()),
    "member edit": ("manager", lambda w: R("staff:member_edit", args=[w.member.pk]), None, ()),
    "members import": ("manager", lambda w: R("staff:members_import"), None, ()),
    "members import check": ("manager", lambda w: R("staff:members_import"),
                             _upload("CSV file", "Check the file", IMPORT_CSV, "Import 1 member"), ()),
    "representativeness": ("analyst", lambda w: R("staff:representativeness"), None, ()),
    "settings": ("admin", lambda w: R("staff:settings"), None, ()),
    "settings general": ("admin", lambda w: R("staff:settings_general"), None, ()),
    "settings districts": ("admin", lambda w: R("staff:settings_districts"), None, ()),
    "settings district": ("admin", lambda w: R("staff:settings_district", args=[_ids(w)["district"]]), None, ()),
    "settings profile": ("admin", lambda w: R("staff:settings_profile"), None, ()),
    "settings profile add": ("admin", lambda w: R("staff:settings_profile_add"), None, ()),
    "settings question": ("admin", lambda w: R("staff:settings_question", args=[_ids(w)["question"]]), None, ()),
    "settings option": ("admin", lambda w: R("staff:settings_option", args=[_ids(w)["option"]]), None, ()),
    "settings consent": ("admin", lambda w: R("staff:settings_consent"), None, ()),
    "settings population": ("admin", lambda w: R("staff:settings_population"), None, ()),
    "settings population check": ("admin", lambda w: R("staff:settings_population"),
                                  _upload("CSV file", "Check file", POPULATION_CSV, "Save these figures"), ()),
    "settings population errors": ("admin", lambda w: R("staff:settings_population"),
                                   _upload("CSV file", "Check file", POPULATION_BAD_CSV, "Check file"), ()),
    "settings population question": ("admin", lambda w: R("staff:settings_population_question",
                                                          args=[_ids(w)["question"]]), None, ()),
    "settings campaigns": ("admin", lambda w: R("staff:settings_campaigns"), None, ()),
    "staff": ("admin", lambda w: R("staff:staff"), None, ()),
    "staff add": ("admin", lambda w: R("staff:staff_add"), None, ()),
    "staff add with errors": ("admin", lambda w: R("staff:staff_add"), _submit("Add"), ()),
    "two-factor": ("admin", lambda w: R("mfa_index"), None, ()),
    "password change": ("admin", lambda w: R("account_change_password"), None, ()),
    "staff edit": ("admin", lambda w: R("staff:staff_edit", args=[_ids(w)["membership"]]), None, ()),
    "audit": ("admin", lambda w: R("staff:audit"), None, ()),
    "surveys": ("manager", lambda w: R("staff:surveys"), None, SURVEY),
    "survey new": ("manager", lambda w: R("staff:survey_create"), None, ()),
    "survey": ("manager", lambda w: R("staff:survey_detail", args=[w.survey.pk]), None, SURVEY),
    "survey edit": ("manager", lambda w: R("staff:survey_edit", args=[w.survey.pk]), None, SURVEY),
    "survey purpose": ("manager", lambda w: R("staff:survey_purpose", args=[w.survey.pk]), None, SURVEY),
    "survey preview": ("manager", lambda w: R("staff:survey_preview", args=[w.survey.pk]), None, SURVEY),
    "survey page edit": ("manager", lambda w: R("staff:survey_page_edit", args=[w.survey.pk, _page_of(w)]),
                         None, SURVEY),
    "survey question new": ("manager", lambda w: R("staff:survey_question_create", args=[
        w.survey.pk, _page_of(w)]) + "?kind=single", None, SURVEY),
    "survey question edit": ("manager", lambda w: R("staff:survey_question_edit", args=[
        w.survey.pk, w.survey.q["transport"].pk]), None, SURVEY),
    "survey send": ("manager", lambda w: R("staff:survey_send", args=[w.survey.pk]), None, SURVEY),
    "survey progress": ("manager", lambda w: R("staff:survey_progress", args=[w.survey.pk]), None, SURVEY),
    "survey results": ("analyst", lambda w: R("staff:survey_results", args=[w.survey.pk]), None, SURVEY),
    "survey report": ("analyst", lambda w: R("staff:survey_report", args=[w.survey.pk]), None, SURVEY),
    "survey excel file": ("analyst", lambda w: R("staff:survey_excel", args=[w.survey.pk]), None, SURVEY),
    "survey representativeness": ("analyst", lambda w: R("staff:survey_representativeness", args=[w.survey.pk]),
                                  None, SURVEY),
    "message texts": ("manager", lambda w: R("staff:outreach_messages"), None, ()),
    "message text edit": ("manager", lambda w: R("staff:outreach_message_edit", args=["survey_invitation", "en"]),
                          None, ()),
    "mailings": ("manager", lambda w: R("staff:outreach_mailings"), None, MAILING),
    "mailing": ("manager", lambda w: R("staff:outreach_mailing", args=[_ids(w)["mailing"]]), None, MAILING),
}


def _open(page, live_server, name: str, spec: tuple) -> tuple[World, str]:
    who, path, _action, needs = spec
    world = build_world(*needs)
    if who == "member":
        member_session(page.context, live_server, world.member)
    elif who is not None:
        staff_session(page.context, live_server, world.council, who)
    return world, live_server.url + path(world)


@pytest.mark.parametrize("name", list(PUBLIC))
def test_public_page(live_server, page, name):
    spec = PUBLIC[name]
    world, url = _open(page, live_server, name, spec)
    check_page(page, url, world=world, action=spec[2])


@pytest.mark.parametrize("name", list(STAFF))
def test_staff_page(live_server, page, name):
    spec = STAFF[name]
    world, url = _open(page, live_server, name, spec)
    check_page(page, url, world=world, action=spec[2])


# The phone asks for Danish; a survey link speaks the invited member's language (English here).
PHONE_PAGES = {"home": "da", "join with errors": "da", "me profile": "da", "survey page": "en"}


@pytest.mark.parametrize("name", list(PHONE_PAGES))
def test_public_page_on_a_phone(live_server, phone, name):
    spec = PUBLIC[name]
    world, url = _open(phone, live_server, name, spec)
    check_page(phone, url, world=world, action=spec[2], skip_link=False)
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), \
        f"{name}: the page scrolls sideways on a phone"
    assert phone.locator("html").get_attribute("lang") == PHONE_PAGES[name]


KEYBOARD_JS = """() => {
  const selector = 'a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]';
  const controls = [...document.querySelectorAll(selector)].filter(e => !e.disabled
      && e.getAttribute('tabindex') !== '-1' && e.checkVisibility({visibilityProperty: true})
      && !e.closest('[inert]'));
  // A radio group is one tab stop.
  const seen = new Set();
  const stops = controls.filter(e => {
    if (e.type !== 'radio') return true;
    const key = (e.form ? 'f' : '') + e.name;
    if (seen.has(key)) return false;
    seen.add(key); return true;
  });
  stops.forEach((e, i) => e.setAttribute('data-kb', i));
  return stops.map(e => e.outerHTML.slice(0, 120));
}"""

FOCUSED_JS = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) return null;
  const s = getComputedStyle(e);
  const ring = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none';
  const key = e.type === 'radio' ? 'radio:' + e.name : e.getAttribute('data-kb');
  return [key, ring, e.outerHTML.slice(0, 120)];
}"""


def keyboard_problems(page) -> list[str]:
    """Tab from the top to the end of the page: every control is reached, each with a visible
    focus indicator (WCAG 2.1.1, 2.4.7)."""
    stops = page.evaluate(KEYBOARD_JS)
    radio_keys = page.evaluate("() => [...document.querySelectorAll('[data-kb]')]"
                               ".map(e => e.type === 'radio' ? 'radio:' + e.name : e.getAttribute('data-kb'))")
    reached, problems, previous = set(), [], None
    for _ in range(len(stops) + 40):  # date inputs take a Tab per part (day, month, year)
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED_JS)
        if focused is None:
            break
        key, ring, html = focused
        if key == previous:
            continue
        if key in reached:
            break  # round again
        reached.add(key)
        previous = key
        if not ring:
            problems.append(f"no visible focus indicator on {html}")
    missed = [html for key, html in zip(radio_keys, stops, strict=True) if key not in reached]
    return problems + [f"never reached by Tab: {html}" for html in missed]


KEYBOARD_PAGES = [("public", "join"), ("public", "me profile"), ("public", "survey page"),
                  ("staff", "members"), ("staff", "survey send")]


@pytest.mark.parametrize("kind,name", KEYBOARD_PAGES)
def test_keyboard_reaches_every_control_with_visible_focus(live_server, page, kind, name):
    spec = (PUBLIC if kind == "public" else STAFF)[name]
    _world, url = _open(page, live_server, name, spec)
    page.goto(url)
    problems = keyboard_problems(page)
    assert not problems, f"{page.url}:\n  " + "\n  ".join(problems)
