"""Our Django templates of the GOV.UK components give the same HTML as GOV.UK Frontend's
own Nunjucks macros, fixture by fixture (govuk-frontend's fixtures.json, compared after
parsing, ignoring whitespace and the order of attributes and classes)."""

from __future__ import annotations

import govuk_fixtures
import pytest

# Fixtures of options our templates do not support (summary cards, interruption panels,
# translated/visually-hidden-less messages, per-item label attributes, date inputs that
# rely on the macro's default items and error-spreading, select values that are not text).
UNSUPPORTED = {
    "button": {"don't prevent double click", "start link with html"},
    "input": {
        "with prefix with attributes",
        "with suffix with attributes",
        "with customised input wrapper",
    },
    "date-input": {
        "with translations",
        "with values and name prefix",
        "with values, name prefix and custom names",
        "day and month",
        "month and year",
        "with errors only",
        "with errors only (using classes)",
        "with error on day input",
        "with error on month input",
        "with error on year input",
        "with field value",
        "with field value and items",
        "with field value overriding values",
        "with error on single field",
        "with error on single field by omission",
        "with error on single field using classes",
    },
    "radios": {"label with attributes"},
    "checkboxes": {
        "multiple hints",
        "label with attributes",
        "with single option set 'aria-describedby' on input, and describedBy",
        "with single option (and hint) set 'aria-describedby' on input, and describedBy",
        "with error and idPrefix",
    },
    "select": {
        "without values with selected value",
        "with falsy values",
        "item selected overrides value",
    },
    "error-message": {"translated", "visually hidden text removed"},
    "summary-list": {name for name in govuk_fixtures.fixtures("summary-list") if "card" in name},
    "panel": {name for name in govuk_fixtures.fixtures("panel") if "interruption" in name},
}

COMPONENTS = [
    "back-link",
    "button",
    "checkboxes",
    "date-input",
    "details",
    "error-message",
    "error-summary",
    "fieldset",
    "hint",
    "input",
    "inset-text",
    "label",
    "notification-banner",
    "panel",
    "radios",
    "select",
    "summary-list",
    "table",
    "tag",
    "textarea",
    "warning-text",
]

CASES = [
    (component, name)
    for component in COMPONENTS
    for name in govuk_fixtures.fixtures(component)
    if name not in UNSUPPORTED.get(component, set())
]


@pytest.mark.parametrize(("component", "fixture"), CASES, ids=[f"{c}:{n}" for c, n in CASES])
def test_component_matches_the_govuk_frontend_reference_html(component: str, fixture: str) -> None:
    ours, reference = govuk_fixtures.compare(component, fixture)
    assert ours == reference


def test_every_component_is_checked_against_most_of_its_fixtures() -> None:
    for component in COMPONENTS:
        names = govuk_fixtures.fixtures(component)
        checked = [n for n in names if n not in UNSUPPORTED.get(component, set())]
        assert len(checked) >= 5, component


def test_the_comparison_notices_a_difference() -> None:
    fixture = govuk_fixtures.fixtures("tag")["grey"]
    ours = govuk_fixtures.normalise(govuk_fixtures.render("tag", {"text": "Grey"}))
    assert ours != govuk_fixtures.normalise(fixture["html"])
