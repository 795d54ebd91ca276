"""Message texts: which text applies (the council's own or the default), checking a text staff
typed, and rendering it to the subject, plain body and HTML body of an e-mail."""

from __future__ import annotations

import re
from functools import cache, lru_cache

from django.template import Context, Engine, Template, TemplateSyntaxError
from django.utils.translation import gettext as _
from django.utils.translation import override

from civicpanel.common.mail import absolute_url
from civicpanel.common.models import translated
from civicpanel.outreach.models import MessageTemplate
from civicpanel.outreach.registry import LANGUAGES, MessageType

# Texts are written by staff: only plain variables and conditions, never {% load %},
# {% include %} or {% debug %} (which could reach templates or internals), and no loops:
# every variable is a single value, and nested loops over a text could tie up a worker.
ALLOWED_TAGS = {"if", "elif", "else", "endif", "with", "endwith", "comment", "endcomment"}
TAG_RE = re.compile(r"{%-?\s*(\w+)([^%]*)%}")
VARIABLE_RE = re.compile(r"{{\s*([A-Za-z_][A-Za-z0-9_]*)")
FOR_RE = re.compile(r"^\s*([\w\s,]+?)\s+in\s")
WITH_RE = re.compile(r"(\w+)\s*=")


@cache
def _engine() -> Engine:
    # No loaders: a text cannot include or extend a file. No autoescape: the body is plain text.
    return Engine(autoescape=False, loaders=[], string_if_invalid="")


def message_language(council, member_language: str | None) -> str:
    """The member's language if the council offers it, else the council's default."""
    codes = [code for code in council.language_codes if code in LANGUAGES] or [council.default_language]
    if member_language in codes:
        return member_language
    return council.default_language if council.default_language in LANGUAGES else codes[0]


def text_problems(text: str, variables: tuple[str, ...]) -> list[str]:
    """Everything wrong with a text staff typed, as messages they can act on."""
    problems: list[str] = []
    known = set(variables) | {"forloop"}
    for name, rest in TAG_RE.findall(text):
        if name not in ALLOWED_TAGS:
            problems.append(_("{%% %(tag)s %%} is not allowed in an e-mail text.") % {"tag": name})
        elif name == "for" and (match := FOR_RE.match(rest)):
            known |= {part.strip() for part in match.group(1).split(",")}
        elif name == "with":
            known |= set(WITH_RE.findall(rest))
    for name in VARIABLE_RE.findall(text):
        if name not in known:
            problems.append(_("Unknown variable {{ %(name)s }}. You can use: %(names)s.")
                            % {"name": name, "names": ", ".join(variables)})
    if not problems:
        try:
            _engine().from_string(text)
        except TemplateSyntaxError as error:
            problems.append(_("The text cannot be read: %(error)s") % {"error": error})
    return list(dict.fromkeys(problems))


def default_texts(message_type: MessageType, language: str) -> tuple[str, str]:
    return (message_type.subject.get(language) or translated(message_type.subject, language),
            message_type.body.get(language) or translated(message_type.body, language))


def texts_for(council, message_type: MessageType) -> dict[str, tuple[str, str]]:
    """(subject, body) per language: the council's own text where it has one, else the default."""
    texts = {language: default_texts(message_type, language) for language in LANGUAGES}
    for template in MessageTemplate.objects.filter(council=council, key=message_type.key):
        texts[template.language] = (template.subject, template.body)
    return texts


@lru_cache(maxsize=256)
def _compiled(text: str) -> Template:
    # A wave renders the same few texts thousands of times: parse each once.
    return _engine().from_string(text)


def render(subject: str, body: str, context: dict) -> tuple[str, str]:
    """(subject, body). The subject is one line: a line break in a header would be refused by
    the mailer, or worse, start a new header."""
    rendered_subject = " ".join(_compiled(subject).render(Context(context, autoescape=False)).split())
    rendered_body = _compiled(body).render(Context(context, autoescape=False)).strip() + "\n"
    return rendered_subject, rendered_body


def sample_context(council, message_type: MessageType, language: str) -> dict[str, str]:
    """Example values for the preview: the e-mail as a member would see it."""
    with override(language):
        context = {
            "council_name": council.name,
            "member_name": _("Anne Example"),
            "unsubscribe_url": absolute_url(council, "/o/unsubscribe/EXAMPLE/"),
        }
        for name in message_type.variables:
            if name in message_type.sample:
                context[name] = message_type.sample[name]
            elif "link" in name or "url" in name:
                context[name] = absolute_url(council, "/example/")
            else:
                context.setdefault(name, "[" + name + "]")
    return context


def member_preview(council, message_type: MessageType, member, context: dict[str, str]) -> tuple[str, str, str]:
    """(language, subject, body) of the e-mail exactly as `member` will get it: in their language,
    with the council's own text where it has one, their name and the given values (a personal
    link stands as the placeholder the caller passes: it does not exist until the sending).
    The same steps as the worker's build_message, without a delivery."""
    language = message_language(council, member.language)
    subject_src, body_src = texts_for(council, message_type)[language]
    with override(language):
        full = {"council_name": council.name, "member_name": member.name or "", **context}
        if not message_type.transactional:
            full.setdefault("unsubscribe_url", absolute_url(council, "/o/unsubscribe/…/"))
        subject, body = render(subject_src, body_src, full)
    return language, subject, body
