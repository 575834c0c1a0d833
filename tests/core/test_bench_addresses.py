"""The page benchmark's data (bench/pagedata.py) gives each team's copies their own
people's addresses, signed up or only invited, so an invited person sees their own
team's few cases rather than every copy's; and data made by an earlier version of the
generator is built again."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import pagedata  # noqa: E402

pytestmark = pytest.mark.django_db


def test_a_teams_copies_name_that_teams_addresses() -> None:
    from escalate.cases.models import Case, Invitation, StageRecord

    pagedata.build(0, partnerships=["cheshire-east-sab"], per_partnership=2, years=1, copies=6)
    copies = list(Case.objects.filter(raised_by__email__contains=".t1@"))
    assert copies
    for case in copies:
        assert ".t1@" in case.other_professional_email, case.other_professional_email
        for invitation in Invitation.objects.filter(case=case):
            assert ".t1@" in invitation.email
        for record in StageRecord.objects.filter(case=case).exclude(counterpart_email=""):
            assert ".t1@" in record.counterpart_email
    templates = Case.objects.exclude(pk__in=[c.pk for c in copies])
    assert not templates.filter(other_professional_email__contains=".t1@").exists()
    # Each invited address of a copy is its own team's, not shared with team 0's.
    shared = {c.other_professional_email.lower() for c in copies} & {
        e.lower() for e in templates.values_list("other_professional_email", flat=True)
    }
    assert shared == set()


def test_team_addresses_are_the_same_people_in_another_team() -> None:
    assert pagedata.team_email("someone@agency.example", 0) == "someone@agency.example"
    assert pagedata.team_email("some.one@agency.example", 7) == "some.one.t7@agency.example"


def test_data_made_by_an_earlier_generator_is_built_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from bench import bench_pages

    folder = tmp_path / "sqlite-5"
    folder.mkdir()
    (folder / "built.json").write_text(json.dumps({"generator": pagedata.VERSION - 1}))
    monkeypatch.setattr(pagedata, "cache_dir", lambda db, size: folder)

    class Stop(Exception):
        pass

    def stop(*args: object, **kwargs: object) -> None:
        raise Stop

    monkeypatch.setattr(bench_pages.os.environ, "update", stop)
    with pytest.raises(Stop):
        bench_pages.prepare("sqlite", 5, rebuild=False)
    assert not (folder / "built.json").exists()  # thrown away, to be built again
    assert "earlier bench/pagedata.py" in capsys.readouterr().out
