"""Escalate's additions to the GOV.UK component templates: summary cards (checked against
govuk-frontend's own fixtures), responsive tables, and the ``{% load govuk %}`` tags that
draw components from page templates."""

from __future__ import annotations

import govuk_fixtures
import pytest
from django.template import Context, Template, TemplateSyntaxError
from django.template.loader import render_to_string

CARDS = [name for name in govuk_fixtures.fixtures("summary-list") if "card" in name]


@pytest.mark.parametrize("fixture", CARDS)
def test_a_summary_card_matches_the_govuk_frontend_reference_html(fixture: str) -> None:
    ours, reference = govuk_fixtures.compare("summary-list", fixture)
    assert ours == reference


def test_there_are_summary_card_fixtures_to_check() -> None:
    assert len(CARDS) >= 5


def render(source: str, **context: object) -> str:
    return Template("{% load govuk %}" + source).render(Context(context)).strip()


def same_html(ours: str, reference: str) -> bool:
    return govuk_fixtures.normalise(ours) == govuk_fixtures.normalise(reference)


def test_a_component_takes_its_options_and_html_attributes_from_the_tag() -> None:
    html = render(
        '{% govuk "tag" text=label classes="govuk-tag--red" attr_data_stage_status=2 %}',
        label="Overdue <soon>",
    )
    assert html == (
        '<strong class="govuk-tag govuk-tag--red" data-stage-status="2">'
        "Overdue &lt;soon&gt;</strong>"
    )


def test_blank_options_are_left_out() -> None:
    html = render('{% govuk "input" name="period" errorMessage__text=missing hint__text="" %}')
    assert "govuk-error-message" not in html and "govuk-hint" not in html
    assert "govuk-form-group--error" not in html


def test_a_summary_list_block_gives_the_same_html_as_the_component() -> None:
    ours = render(
        '{% govukblock "summary_list" attr_id="case-summary" %}'
        '{% govuk_row "Name" %}{{ name }}{% endgovuk_row %}'
        '{% if no %}{% govuk_row "Hidden" %}x{% endgovuk_row %}{% endif %}'
        '{% govuk_row "Address" %}1 Lane<br>Crewe{% endgovuk_row %}'
        "{% endgovukblock %}",
        name="Alex & Sam",
        no=False,
    )
    reference = render_to_string(
        "components/summary_list.html",
        {
            "attributes": {"id": "case-summary"},
            "rows": [
                {"key": {"text": "Name"}, "value": {"text": "Alex & Sam"}},
                {"key": {"text": "Address"}, "value": {"html": "1 Lane<br>Crewe"}},
            ],
        },
    )
    assert same_html(ours, reference)
    assert "Hidden" not in ours


def test_a_summary_card_holds_more_content_after_its_list() -> None:
    html = render(
        '{% govuk_capture as more %}<p class="govuk-body">How it was worked out</p>'
        "{% endgovuk_capture %}"
        '{% govukblock "summary_list" card__title__text="Stage 1" card__html=more %}'
        '{% govuk_row "Owner" %}Pat{% endgovuk_row %}{% endgovukblock %}'
    )
    content = html.split('<div class="govuk-summary-card__content">', 1)[1]
    assert content.index("</dl>") < content.index("How it was worked out")


def test_a_responsive_table_names_each_cell_by_its_column() -> None:
    html = render(
        '{% govukblock "table" caption="Cases" firstCellIsHeader=True responsive=True %}'
        '{% govuk_th %}Case{% endgovuk_th %}{% govuk_th %}<a href="?sort=due">Due</a>'
        '{% endgovuk_th %}{% govuk_th format="numeric" %}Stage{% endgovuk_th %}'
        "{% govuk_tr %}{% govuk_td %}A-1{% endgovuk_td %}{% govuk_td %}4 Jan{% endgovuk_td %}"
        '{% govuk_td format="numeric" %}2{% endgovuk_td %}{% endgovuk_tr %}'
        "{% govuk_tr %}{% govuk_td colspan=3 %}No more{% endgovuk_td %}{% endgovuk_tr %}"
        "{% endgovukblock %}"
    )
    assert html.startswith('<table class="govuk-table app-table--responsive">')
    assert '<th scope="row" class="govuk-table__header">A-1</th>' in html
    assert '<td class="govuk-table__cell" data-label="Due">4 Jan</td>' in html
    assert 'data-label="Stage">2</td>' in html
    # A cell across every column is no column's.
    assert 'colspan="3">No more' in html and html.count("data-label") == 2


def test_a_table_is_not_responsive_unless_asked() -> None:
    html = render(
        '{% govukblock "table" %}{% govuk_th %}Case{% endgovuk_th %}'
        "{% govuk_tr %}{% govuk_td %}A-1{% endgovuk_td %}{% endgovuk_tr %}{% endgovukblock %}"
    )
    assert "data-label" not in html and "app-table--responsive" not in html


def test_a_select_block_keeps_an_empty_value_and_chooses_by_value() -> None:
    html = render(
        '{% govukblock "select" id="filter-agency" name="agency" value=chosen '
        'label__text="Agency" %}{% govuk_item value="" %}Any agency{% endgovuk_item %}'
        '{% govuk_item value="7" %}Health &amp; care{% endgovuk_item %}{% endgovukblock %}',
        chosen="7",
    )
    assert '<option value="">Any agency</option>' in html
    assert '<option value="7" selected>Health &amp; care</option>' in html


def test_a_date_input_is_filled_from_year_month_day() -> None:
    html = render(
        '{% govuk "date_input" id="filter-from" namePrefix="from" '
        'items=typed|govuk_date_items:"filter-from" fieldset__legend__text="From" %}',
        typed="2026-07-01",
    )
    assert 'id="filter-from-day" name="from-day" type="text" value="1"' in html
    assert 'id="filter-from-month" name="from-month" type="text" value="7"' in html
    assert 'id="filter-from-year" name="from-year" type="text" value="2026"' in html
    boxes = render('{% for i in typed|govuk_date_items:"d" %}[{{ i.value }}]{% endfor %}', typed="")
    assert boxes == "[][][]"


def test_a_row_outside_its_component_is_a_template_error() -> None:
    with pytest.raises(TemplateSyntaxError):
        render('{% govuk_row "Name" %}Pat{% endgovuk_row %}')


def test_an_unknown_component_is_a_template_error() -> None:
    with pytest.raises(TemplateSyntaxError):
        render('{% govuk "../base" %}')
