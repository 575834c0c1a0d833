"""Turning the board's report into what pages and documents show."""

from __future__ import annotations

from typing import Any

from escalate.reports import selectors
from escalate.reports.charts import bar_chart, shown, shown_pct
from escalate.reports.tables import item, number


def report_context(report: selectors.Report, suppress: bool) -> dict[str, Any]:
    s = suppress
    charts = [
        bar_chart(
            "stage",
            "Cases by the stage they reached",
            "Stage reached",
            [(f"Stage {n}", r + w + o) for n, r, w, o in report.by_stage_outcome],
            suppress=s,
        ),
        bar_chart(
            "raising-agency",
            "Cases by raising agency",
            "Agency",
            report.by_raising_agency,
            suppress=s,
        ),
        bar_chart(
            "other-agency",
            "Cases by agency challenged",
            "Agency",
            report.by_other_agency,
            suppress=s,
        ),
        bar_chart(
            "raising-sector",
            "Cases by raising sector",
            "Sector",
            report.by_raising_sector,
            suppress=s,
        ),
        bar_chart(
            "other-sector",
            "Cases by sector challenged",
            "Sector",
            report.by_other_sector,
            suppress=s,
        ),
        bar_chart("category", "Cases by category", "Category", report.by_category, suppress=s),
        bar_chart(
            "missed-stage",
            "Timescales missed, by stage",
            "Stage",
            report.missed_by_stage,
            suppress=s,
        ),
        bar_chart(
            "missed-agency",
            "Timescales missed, by agency whose stage ran over",
            "Agency",
            report.missed_by_agency,
            suppress=s,
        ),
        bar_chart(
            "themes", "Learning themes recorded at closure", "Theme", report.themes, suppress=s
        ),
    ]

    def days(value: float | None) -> str:
        if value is None:
            return "not applicable"
        if s and report.resolved < 5:
            return "withheld (small numbers)"
        return f"{value:g} working days"

    stage_outcomes = [
        (n, shown(r, s), shown(w, s), shown(o, s)) for n, r, w, o in report.by_stage_outcome
    ]
    policy_issues = [(label, shown(n, s)) for label, n in report.policy_issues]
    versions = [
        {
            "name": v.name,
            "number": v.version.number,
            "raised": shown(v.raised, s),
            "final_stage": v.final_stage,
            "reached_final": shown(v.reached_final, s),
            "categories": [(label, shown(n, s)) for label, n in v.by_category],
        }
        for v in report.versions
    ]
    return {
        "report": report,
        "suppress": s,
        "charts": charts,
        "stage_outcomes": stage_outcomes,
        "stage_table": {
            "head": [item(text="Stage reached")]
            + [number(words) for words in ("Resolved", "Withdrawn", "Open")],
            "rows": [
                [item(text=f"Stage {n}"), number(r), number(w), number(o)]
                for n, r, w, o in stage_outcomes
            ],
        },
        "figures": {
            "raised": shown(report.raised, s),
            "resolved": shown(report.resolved, s),
            "lowest_pct": shown_pct(report.resolved_at_lowest, report.resolved, s),
            "median": days(report.median_days),
            "p90": days(report.p90_days),
            "in_time_pct": shown_pct(report.stages_in_time, report.stages_timed, s),
            "open_now": shown(report.open_now, s),
            "overdue_now": shown(report.overdue_now, s),
            "closed": shown(report.closed, s),
            "debriefs_offered": shown(report.debriefs_offered, s),
            "debriefs_held": shown(report.debriefs_held, s),
        },
        "policy_issues": policy_issues,
        "policy_table": {
            "head": [item(text="Status"), number("Policy issues")],
            "rows": [[item(text=label), number(n)] for label, n in policy_issues],
        },
        "versions": versions,
        "versions_table": {
            "head": [item(text="Procedure version")]
            + [number(w) for w in ("Cases raised", "Final stage", "Reached the final stage")],
            "rows": [
                [
                    item(text=v.name),
                    number(shown(v.raised, s)),
                    number(f"Stage {v.final_stage}"),
                    number(shown(v.reached_final, s)),
                ]
                for v in report.versions
            ],
        },
    }
