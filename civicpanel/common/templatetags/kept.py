"""{% kept "components/footer.html" council.pk council.name ... %}: a fragment that every visitor
sees alike, drawn once and kept in the process.

The public pages' header and footer are the same for everyone who opens the same address of a
council in one language, yet drawing them is about a fifth of a resident's survey page
(docs/operations.md, "Load"). The tag renders the template with the page's context the first
time and keeps the markup under the template's name, the active language and the values given
after the name, which must name everything the fragment shows that can differ between two
visitors. Keeping by value means nothing has to be forgotten: a council renamed is a new key.

The CSRF token differs for every visitor: the fragment is drawn with a stand-in token, and the
visitor's own is put in its place each time it is used.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from django import template
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

register = template.Library()

# Enough for every address, language and council a process serves; the oldest go first.
KEPT_MOST = 2000
STAND_IN_TOKEN = "keptcsrftokenstandin"  # noqa: S105 - a stand-in, replaced before any page is sent

_kept: OrderedDict = OrderedDict()
_lock = threading.Lock()


def _plain(value):
    """A key part that compares by value (a list of pairs from a context processor, say)."""
    if isinstance(value, (list, tuple)):
        return tuple(_plain(v) for v in value)
    return value if value is None or isinstance(value, (int, float, bool, str)) else str(value)


@register.simple_tag(takes_context=True)
def kept(context, template_name: str, *key):
    token = context.get("csrf_token")
    if token is None or str(token) == "NOTPROVIDED":  # drawn without a request: nothing to keep
        return mark_safe(context.template.engine.get_template(template_name).render(context))  # noqa: S308
    full_key = (template_name, get_language(), *map(_plain, key))
    with _lock:
        markup = _kept.get(full_key)
        if markup is not None:
            _kept.move_to_end(full_key)
    if markup is None:
        with context.push(csrf_token=STAND_IN_TOKEN):
            markup = context.template.engine.get_template(template_name).render(context)
        with _lock:
            _kept[full_key] = markup
            while len(_kept) > KEPT_MOST:
                _kept.popitem(last=False)
    if STAND_IN_TOKEN in markup:  # only then is the visitor's token asked for (and its cookie set)
        markup = markup.replace(STAND_IN_TOKEN, str(token))
    # The template's own output, escaped as it drew it; a token is letters and digits.
    return mark_safe(markup)  # noqa: S308


def forget_kept() -> None:
    """Drop every kept fragment (tests that change a template's settings between pages)."""
    with _lock:
        _kept.clear()
