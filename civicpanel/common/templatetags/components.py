"""The page components: every piece of design-system markup lives in templates/components/.

Pages compose themselves from these and never write the design system's classes themselves,
so a second theme (another design system) is a change of the component templates and the
theme stylesheet, not of the pages. Two ways in:

    {% include "components/alert.html" with kind="success" text=message %}     simple pieces
    {% component "card" heading=_("Your profile") %} ... {% endcomponent %}    pieces that wrap content

`{% component "x" ... %}` renders templates/components/x.html with the keyword arguments and
`content` (the enclosed template text, already rendered) in its context.
"""

from __future__ import annotations

from django import template
from django.template.loader import get_template
from django.utils.html import escape
from django.utils.safestring import mark_safe

register = template.Library()


# Every parameter any component takes: each starts as None inside a component, so a variable of
# the same name in the page (say an `href` set for an earlier card) never leaks into it.
PARAMETERS = ("heading", "subheading", "href", "level", "classes", "caption", "caption_hidden", "id", "label",
              "hidden_label", "icon_only", "open", "menu_icon", "kind", "text", "legend", "for", "hint", "hint_id",
              "error", "error_id", "number", "required", "type", "name", "value", "checked", "invalid", "download",
              "icon", "stackable", "summary", "button", "clear_href", "sort", "labelledby")


class ComponentNode(template.Node):
    def __init__(self, name, kwargs, nodelist):
        self.name, self.kwargs, self.nodelist = name, kwargs, nodelist

    def render(self, context):
        name = self.name.resolve(context)
        values = dict.fromkeys(PARAMETERS)
        values.update({key: value.resolve(context) for key, value in self.kwargs.items()})
        with context.push():  # variables the content sets ({% url ... as x %}) stay inside it
            values["content"] = mark_safe(self.nodelist.render(context))  # noqa: S308 - rendered (and autoescaped) by the engine
        component = get_template(f"components/{name}.html")
        with context.push(**values):
            return component.template.render(context)


@register.tag
def component(parser, token):
    """{% component "card" heading=x %}...{% endcomponent %}"""
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError("{% component %} needs the component's name")
    name = parser.compile_filter(bits[1])
    kwargs = template.base.token_kwargs(bits[2:], parser)
    if len(kwargs) != len(bits) - 2:
        raise template.TemplateSyntaxError("{% component %} takes keyword arguments only after the name")
    nodelist = parser.parse(("endcomponent",))
    parser.delete_first_token()
    return ComponentNode(name, kwargs, nodelist)


# The design system's class for each kind of form control (read by the form renderer's
# templates/django/forms/widgets/attrs.html, so every Django form gets them).
CONTROL_CLASS = {
    "checkbox": "form-checkbox",
    "radio": "form-radio",
    "select": "form-select",
    "selectmultiple": "form-select",
    "textarea": "form-input",
    "file": "form-file-input",
    "hidden": "",
}


@register.simple_tag
def widget_attrs(widget):
    """The widget's HTML attributes, with the design system's class for its kind of control."""
    kind = widget.get("type") or widget.get("template_name", "").rsplit("/", 1)[-1].removesuffix(".html")
    attrs = dict(widget.get("attrs") or {})
    classes = [c for c in (CONTROL_CLASS.get(kind, "form-input"), attrs.pop("class", "")) if c]
    if classes:
        attrs = {"class": " ".join(classes), **attrs}
    parts = []
    for name, value in attrs.items():
        if value is False or value is None:
            continue
        parts.append(f" {escape(name)}" if value is True else f' {escape(name)}="{escape(value)}"')
    return mark_safe("".join(parts))  # noqa: S308 - every name and value escaped above


@register.simple_tag
def steps(*labels):
    """{% steps _("Your details") _("Check your e-mail") as signup_steps %}: the steps of a
    process for components/step_indicator.html."""
    return [{"label": label} for label in labels]


@register.filter
def page_numbers(page) -> list[int | None]:
    """The page numbers a pagination shows: the first, the last, two either side of the current
    one, None where pages are left out. Never a loop over every page: a list of a million
    members has 20,000 of them."""
    last = page.paginator.num_pages
    shown = sorted({1, last, *range(max(1, page.number - 2), min(last, page.number + 2) + 1)})
    numbers: list[int | None] = []
    for number in shown:
        if numbers and number - numbers[-1] > 1:
            numbers.append(None)
        numbers.append(number)
    return numbers
