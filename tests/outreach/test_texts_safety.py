"""Staff-written e-mail texts cannot loop (a nested loop over a text could tie up a worker)."""

from civicpanel.outreach.texts import text_problems


def test_loops_are_refused_in_email_texts():
    problems = text_problems("{% for a in link %}{% for b in link %}x{% endfor %}{% endfor %}", ("link",))
    assert problems and "for" in problems[0]


def test_variables_and_conditions_are_allowed():
    assert text_problems("Hej {{ member_name }}{% if link %}: {{ link }}{% endif %}", ("member_name", "link")) == []
