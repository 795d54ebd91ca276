"""The methods' errors as sentences in the reader's language.

`civicpanel.methods` raises errors with a code and values (`methods.errors.MethodError`), and
lists of problems the same way (`methods.errors.Problem`); their English text serves the
command line. Pages show `method_error_text(error)` instead: the sentence for the code, in
the active language, with the values filled in (numbers in the language's format).
"""

from __future__ import annotations

from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

MESSAGES = {
    # Fallbacks of each family (every raise names its own code; these catch a code added later).
    "method.error": gettext_lazy("The calculation could not be done with these figures."),
    "weighting.error": gettext_lazy("The responses could not be weighted with these figures."),
    "estimation.error": gettext_lazy("The estimates could not be computed."),
    "selection.error": gettext_lazy("The draw could not be made."),
    "representativity.error": gettext_lazy("The representativeness could not be computed."),
    "disclosure.error": gettext_lazy("The table could not be checked for small cells."),
    # Weighting: population figures.
    "weighting.no_margins": gettext_lazy("No population figures were given to weight to."),
    "weighting.mixed_kinds": gettext_lazy(
        "Some population figures are shares and others counts; give them all in the same way."),
    "weighting.feature_twice": gettext_lazy("%(feature)s has population figures twice."),
    "weighting.figure_count": gettext_lazy(
        "%(feature)s has %(categories)s categories but %(figures)s population figures."),
    "weighting.no_categories": gettext_lazy("%(feature)s has no categories."),
    "weighting.category_twice": gettext_lazy("%(feature)s: the category “%(category)s” is listed twice."),
    "weighting.bad_figure": gettext_lazy(
        "%(feature)s, “%(category)s”: the population figure %(value)s is not a number of zero or more."),
    "weighting.all_zero": gettext_lazy("%(feature)s: every population figure is 0."),
    "weighting.shares_sum": gettext_lazy(
        "%(feature)s: the population shares add up to %(total)s, not 1. A category may be missing or a share "
        "mistyped."),
    "weighting.counts_differ": gettext_lazy(
        "The population figures of %(feature)s add up to %(total)s, those of %(first_feature)s to %(first_total)s: "
        "they must describe the same residents. Take the figures from the same date."),
    "weighting.zero_population": gettext_lazy(
        "%(feature)s, “%(category)s”: the population figure is 0, but %(n)s respondents are in it."),
    "weighting.empty_category": gettext_lazy(
        "%(feature)s, “%(category)s”: the population has residents in it but no respondent is in it, so no weight "
        "can make up for it. Merge it with “%(other)s”."),
    "weighting.not_converged": gettext_lazy(
        "the weights could not meet every population figure at once after %(iterations)s rounds (%(feature)s, "
        "“%(category)s” is still %(off_share)s off): the respondents lack some combinations the figures need. "
        "Merge small categories or weight on fewer questions."),
    "weighting.empty_cell": gettext_lazy(
        "The combination %(cell)s has residents but no respondent. Merge categories, or weight on each question "
        "separately."),
    "weighting.zero_population_cell": gettext_lazy(
        "The combination %(cell)s has no residents in the population figures, but %(n)s respondents are in it."),
    "weighting.table_shape": gettext_lazy("The table of population figures does not match the questions."),
    "weighting.table_values": gettext_lazy(
        "The table of population figures must hold numbers of zero or more, not all 0."),
    # Weighting: respondents and parameters.
    "weighting.empty_value": gettext_lazy("%(feature)s is missing for %(n)s respondents."),
    "weighting.unknown_category": gettext_lazy(
        "%(feature)s: %(n)s respondents are in “%(category)s”, which has no population figure."),
    "weighting.missing_feature": gettext_lazy("The respondents have no answers to %(feature)s."),
    "weighting.codes_not_integers": gettext_lazy("%(feature)s: every respondent needs one category."),
    "weighting.length_differs": gettext_lazy(
        "%(feature)s has %(given)s answers, the other questions %(n)s."),
    "weighting.code_out_of_range": gettext_lazy(
        "%(feature)s: respondent %(respondent)s is in category %(value)s, but there are only %(categories)s."),
    "weighting.no_respondents": gettext_lazy("There are no respondents to weight."),
    "weighting.weight_count": gettext_lazy("%(given)s design weights were given for %(n)s respondents."),
    "weighting.bad_weight": gettext_lazy(
        "Respondent %(respondent)s has the design weight %(value)s; design weights must be greater than 0."),
    "weighting.too_many_cells": gettext_lazy(
        "There are too many combinations of categories to weight on; merge categories."),
    "weighting.bad_tolerance": gettext_lazy(
        "The tolerance must be greater than 0 and the number of rounds at least 1."),
    "weighting.bad_trim": gettext_lazy("The weight cap %(value)s must be greater than 1 (5 is usual)."),
    # Weighting: files (command line, and any page that reads such files).
    "weighting.file_open": gettext_lazy("The file %(file)s cannot be opened (%(reason)s)."),
    "weighting.margins_file_empty": gettext_lazy(
        "%(file)s is empty: it needs a header line feature,value,share or feature,value,count."),
    "weighting.margins_header": gettext_lazy(
        "%(file)s, line 1: the header is “%(header)s”; it must be feature,value,share or feature,value,count."),
    "weighting.margins_fields": gettext_lazy(
        "%(file)s, line %(line)s: 3 fields were expected, %(found)s were found."),
    "weighting.margins_empty_cell": gettext_lazy(
        "%(file)s, line %(line)s: the feature and the category must not be empty."),
    "weighting.margins_not_number": gettext_lazy(
        "%(file)s, line %(line)s: the figure “%(value)s” for %(feature)s = %(category)s is not a number."),
    "weighting.margins_negative": gettext_lazy(
        "%(file)s, line %(line)s: the figure “%(value)s” for %(feature)s = %(category)s must be 0 or more."),
    "weighting.margins_twice": gettext_lazy(
        "%(file)s, line %(line)s: %(feature)s = %(category)s is listed twice."),
    "weighting.margins_no_rows": gettext_lazy("%(file)s has a header but no figures."),
    "weighting.no_column": gettext_lazy("%(file)s has no column “%(column)s”; its columns are %(columns)s."),
    "weighting.respondents_file_empty": gettext_lazy("%(file)s is empty: it needs a header line with column names."),
    "weighting.column_twice": gettext_lazy("%(file)s, line 1: the column “%(column)s” appears twice."),
    "weighting.fields": gettext_lazy(
        "%(file)s, line %(line)s: %(found)s fields, but the header has %(expected)s."),
    "weighting.respondents_no_rows": gettext_lazy("%(file)s has a header but no respondents."),
    "weighting.number_empty": gettext_lazy("%(file)s, line %(line)s: “%(column)s” is empty."),
    "weighting.not_number": gettext_lazy("%(file)s, line %(line)s: “%(column)s” is “%(value)s”, not a number."),
    # Estimation.
    "estimation.length_differs": gettext_lazy("%(what)s has %(given)s values for %(n)s respondents."),
    "estimation.negative_code": gettext_lazy("%(feature)s has a negative category code."),
    "estimation.bad_confidence": gettext_lazy(
        "The confidence level %(value)s must be between 0 and 1, for example 0.95."),
    "estimation.group_codes": gettext_lazy("The breakdown needs one group per respondent."),
    "estimation.group_labels": gettext_lazy("The breakdown has group %(value)s but only %(labels)s group names."),
    "estimation.answer_code": gettext_lazy("An answer has code %(value)s, outside the %(options)s options."),
    "estimation.multiple_shape": gettext_lazy(
        "A multiple-choice question needs %(options)s yes/no answers per respondent."),
    # Disclosure control.
    "disclosure.shape": gettext_lazy("A table of %(dimensions)s dimensions of respondent counts was expected."),
    "disclosure.counts": gettext_lazy("Respondent counts must be whole numbers of zero or more."),
    "disclosure.linked": gettext_lazy(
        "Each breakdown's groups must add up to the respondents of the whole, answer by answer."),
    # Representativeness.
    "representativity.too_few": gettext_lazy(
        "The R-indicator needs at least 2 invited members; there are %(n)s."),
    "representativity.length": gettext_lazy(
        "%(feature)s has %(given)s values for %(expected)s invited members."),
    "representativity.category": gettext_lazy("%(feature)s: every invited member needs a category."),
    "representativity.design_weights": gettext_lazy(
        "The design weights must be numbers greater than 0, one per invited member."),
    # Selection: samples and panels.
    "selection.shortfall": gettext_lazy(
        "%(feature)s %(value)s: the sample needs %(target)s answers from this category, but those who can be "
        "invited can give at most %(can)s (%(people)s people)."),
    "selection.population_missing": gettext_lazy(
        "A representative sample needs the population figure of every category; it is missing for %(values)s."),
    "selection.population_zero": gettext_lazy("The population figures for %(feature)s add up to 0."),
    "selection.bad_size": gettext_lazy("The size must be at least 1, not %(value)s."),
    "selection.no_sample": gettext_lazy("No sample matches the population figures."),
    "selection.bad_seed": gettext_lazy("The seed must be a whole number of 0 or more, not %(value)s."),
    "selection.bad_reserve": gettext_lazy("The number of reserves must be 0 or more, not %(value)s."),
    "selection.unknown_design": gettext_lazy("Unknown sample design “%(value)s”; use auto, lottery or cube."),
    "selection.unknown_method": gettext_lazy("Unknown method “%(value)s”; choose one of %(methods)s."),
    "selection.quota_listed_twice": gettext_lazy("%(feature)s %(value)s has two quotas."),
    "selection.bounds_order": gettext_lazy(
        "%(feature)s %(value)s: the minimum %(min)s and maximum %(max)s must satisfy 0 ≤ minimum ≤ maximum."),
    "selection.pool": gettext_lazy("The people to choose from cannot be used as they are: %(problems)s"),
    "selection.pool_id_twice": gettext_lazy("the person “%(value)s” appears twice"),
    "selection.pool_no_column": gettext_lazy("there are no values for %(feature)s"),
    "selection.pool_length": gettext_lazy("%(feature)s has %(given)s values for %(n)s people"),
    "selection.pool_unknown_value": gettext_lazy("%(feature)s “%(value)s” is not a category (known: %(known)s)"),
    "selection.pool_rates": gettext_lazy("the response rates must be one number between 0 and 1 per person"),
    "selection.infeasible_quotas": gettext_lazy("The quotas cannot all be met: %(problems)s"),
    "selection.pool_too_small": gettext_lazy("%(size)s are wanted, but only %(pool)s can be chosen from"),
    "selection.min_unavailable": gettext_lazy(
        "%(feature)s %(value)s: at least %(min)s are wanted, but only %(have)s can be chosen from"),
    "selection.mins_too_high": gettext_lazy("the minimums of %(feature)s add up to %(total)s, more than %(size)s"),
    "selection.maxes_too_low": gettext_lazy(
        "the maximums of %(feature)s (at most the people available) add up to %(total)s, fewer than %(size)s"),
    "selection.colliding": gettext_lazy("these quotas cannot all hold in one group of %(size)s: %(quotas)s"),
    "selection.input_file": gettext_lazy("The file cannot be used as it is: %(problems)s"),
    "selection.file_not_found": gettext_lazy("%(file)s: the file was not found"),
    "selection.not_utf8": gettext_lazy("%(file)s: not UTF-8 text (save the sheet as CSV UTF-8)"),
    "selection.file_empty": gettext_lazy("%(file)s: the file is empty"),
    "selection.empty_line": gettext_lazy("%(file)s, line %(line)s: empty line"),
    "selection.cells": gettext_lazy("%(file)s, line %(line)s: %(found)s cells, but the header has %(expected)s"),
    "selection.column_twice": gettext_lazy("%(file)s, line 1: more than one column is called “%(column)s”"),
    "selection.no_column": gettext_lazy("%(file)s, line 1: no column “%(column)s” (the header is: %(header)s)"),
    "selection.min_max_together": gettext_lazy("%(file)s, line 1: the columns min and max come together"),
    "selection.no_bounds": gettext_lazy(
        "%(file)s, line 1: the columns min and max (or population, for a representative sample) are needed; the "
        "header is: %(header)s"),
    "selection.feature_value_empty": gettext_lazy(
        "%(file)s, line %(line)s: the feature and the value must both be filled in"),
    "selection.quota_twice": gettext_lazy(
        "%(file)s, line %(line)s: %(feature)s %(value)s is already on line %(other_line)s"),
    "selection.bound_missing": gettext_lazy("%(file)s, line %(line)s: no %(bound)s given"),
    "selection.not_whole": gettext_lazy("%(file)s, line %(line)s: %(bound)s “%(value)s” is not a whole number"),
    "selection.bad_population": gettext_lazy(
        "%(file)s, line %(line)s: the population “%(value)s” is not a number of 0 or more"),
    "selection.min_negative": gettext_lazy("%(file)s, line %(line)s: the minimum %(value)s is negative"),
    "selection.min_above_max": gettext_lazy(
        "%(file)s, line %(line)s: the minimum %(min)s is greater than the maximum %(max)s"),
    "selection.min_flex": gettext_lazy("%(file)s, line %(line)s: min_flex %(flex)s is greater than the minimum %(min)s"),
    "selection.max_flex": gettext_lazy("%(file)s, line %(line)s: max_flex %(flex)s is less than the maximum %(max)s"),
    "selection.no_features": gettext_lazy("%(file)s: no features are listed"),
    "selection.no_id": gettext_lazy("%(file)s, line %(line)s: no %(column)s"),
    "selection.id_twice": gettext_lazy(
        "%(file)s, line %(line)s: %(column)s “%(value)s” is already on line %(other_line)s"),
    "selection.unknown_value": gettext_lazy(
        "%(file)s, line %(line)s: unknown %(feature)s “%(value)s” (the features file lists: %(known)s)"),
    "selection.bad_rate": gettext_lazy("%(file)s, line %(line)s: the response rate “%(value)s” is not between 0 and 1"),
    # Participatory budgeting: counting options and .pb files.
    "budgeting.error": gettext_lazy("The votes could not be counted."),
    "budgeting.bad_option_value": gettext_lazy("The %(option)s “%(value)s” is not one of %(allowed)s."),
    "budgeting.bad_step": gettext_lazy("The add-one step must be greater than 0."),
    "budgeting.unknown_option": gettext_lazy("Unknown option “%(option)s”; the options are %(allowed)s."),
    "budgeting.options_twice": gettext_lazy("Give the options in one way only."),
    "budgeting.unknown_rule": gettext_lazy("Unknown counting rule “%(value)s”; choose one of %(allowed)s."),
    "budgeting.ballot_project": gettext_lazy(
        "Ballot %(ballot)s names the project “%(project)s”, which is not a project of the round."),
    "budgeting.district_twice": gettext_lazy("Two districts are both called “%(district)s”."),
    "budgeting.table_too_large": gettext_lazy(
        "The best possible total support would need a table of %(projects)s projects × %(points)s points, too "
        "large to compute exactly here."),
    "budgeting.pabulib": gettext_lazy("%(file)s, line %(line)s: %(problem)s"),
    "budgeting.pabulib_file": gettext_lazy("%(file)s: %(problem)s"),
    "budgeting.pabulib_text": gettext_lazy("Line %(line)s: %(problem)s"),
    "budgeting.pabulib_error": gettext_lazy("the file is not a readable .pb file"),
    "budgeting.file_open": gettext_lazy("the file cannot be opened (%(reason)s)"),
    "budgeting.not_utf8": gettext_lazy("the file is not UTF-8 text"),
    "budgeting.section_twice": gettext_lazy("the %(section)s section appears twice"),
    "budgeting.no_meta_first": gettext_lazy("the file must start with a META section (a line reading META)"),
    "budgeting.fields": gettext_lazy("a %(section)s line has %(found)s fields, but the header has %(expected)s"),
    "budgeting.project_id_empty": gettext_lazy("a project has an empty project_id"),
    "budgeting.project_twice": gettext_lazy("the project “%(project)s” is listed twice"),
    "budgeting.cost_not_number": gettext_lazy("project “%(project)s”: the cost “%(value)s” is not a number"),
    "budgeting.cost_negative": gettext_lazy("project “%(project)s”: the cost “%(value)s” is negative"),
    "budgeting.no_section": gettext_lazy("the file has no %(section)s section"),
    "budgeting.no_header": gettext_lazy("the %(section)s section has no header line"),
    "budgeting.no_budget": gettext_lazy("META has no budget"),
    "budgeting.budget_not_number": gettext_lazy("the budget “%(value)s” is not a number"),
    "budgeting.budget_negative": gettext_lazy("the budget is negative"),
    "budgeting.vote_type": gettext_lazy("the vote type “%(value)s” is not one of %(allowed)s"),
    "budgeting.no_points": gettext_lazy("a %(vote_type)s file needs a points column in VOTES"),
    "budgeting.voter_twice": gettext_lazy("the voter “%(voter)s” appears twice"),
    "budgeting.unknown_project": gettext_lazy(
        "the voter “%(voter)s” votes for the project “%(project)s”, which is not in PROJECTS"),
    "budgeting.project_named_twice": gettext_lazy("the voter “%(voter)s” names the same project twice"),
    "budgeting.too_many_projects": gettext_lazy(
        "the voter “%(voter)s” chose %(n)s projects, more than the %(max)s allowed"),
    "budgeting.choose_one": gettext_lazy("the voter “%(voter)s” chose %(n)s projects in a choose-1 vote"),
    "budgeting.points_count": gettext_lazy("the voter “%(voter)s” has %(n)s projects but %(points)s points"),
    "budgeting.points_not_numbers": gettext_lazy("the voter “%(voter)s”: the points “%(value)s” are not numbers"),
    "budgeting.points_negative": gettext_lazy("the voter “%(voter)s” gives negative points"),
    "budgeting.meta_header": gettext_lazy("the META header must read key;value"),
    "budgeting.header_column": gettext_lazy("the %(section)s header has no %(column)s column"),
    "budgeting.header_twice": gettext_lazy("the %(section)s header names a column twice"),
    "budgeting.meta_not_whole": gettext_lazy("META %(key)s “%(value)s” is not a whole number"),
}

# Values shown as percentages (a fraction in the error).
PERCENT_PARAMS = {"off_share"}


def _value(name: str, value: Any, code: str) -> str:
    if hasattr(value, "code") and hasattr(value, "params"):  # a Problem inside the error
        return problem_text(value)
    if isinstance(value, bool):
        return str(value)
    if name in PERCENT_PARAMS and isinstance(value, int | float):
        return _("%(number)s %%") % {"number": number_format(float(value) * 100, decimal_pos=2)}
    if isinstance(value, float):
        if code == "weighting.shares_sum":
            return number_format(value, decimal_pos=4)
        digits = 1 if abs(value) < 1e6 and value != int(value) else 0
        return number_format(value, decimal_pos=digits, force_grouping=True)
    if isinstance(value, int):
        return number_format(value, force_grouping=True)
    if isinstance(value, list | tuple):
        return "; ".join(problem_text(p) for p in value)
    return str(value)


def problem_text(problem: Any) -> str:
    """One listed problem (`methods.errors.Problem`) or relaxation, in the active language."""
    code = getattr(problem, "code", None)
    if code in MESSAGES:
        params = {k: _value(k, v, code) for k, v in problem.params.items()}
        return str(MESSAGES[code]) % params
    if all(hasattr(problem, a) for a in ("feature", "value", "bound", "old", "new")):  # selection.Relaxation
        text = _("%(feature)s %(value)s: minimum %(old)s → %(new)s") if problem.bound == "min" else \
            _("%(feature)s %(value)s: maximum %(old)s → %(new)s")
        return text % {"feature": problem.feature, "value": problem.value, "old": problem.old, "new": problem.new}
    return str(problem)


def method_error_text(error: Exception) -> str:
    """The error as a sentence in the active language (see the module docstring)."""
    code = getattr(error, "code", None)
    params = getattr(error, "params", None)
    if code not in MESSAGES or params is None:
        code = "method.error"
        params = {}
    values = {k: _value(k, v, code) for k, v in params.items() if k != "relaxation"}
    text = str(MESSAGES[code]) % values
    relaxation = params.get("relaxation")
    if relaxation:
        text += " " + _("The smallest change that makes them possible: %(changes)s.") % {
            "changes": "; ".join(problem_text(r) for r in relaxation)}
    elif code == "selection.infeasible_quotas" and relaxation is None:
        text += " " + _("No change within the allowed flexibility makes them possible.")
    return text
