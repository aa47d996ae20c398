"""Reports as typed values from one ReportSpec, drawn by one registry of output formats.

The spec is made once from the command line (context.Session.report) and is the only way "today" reaches a
report; each report returns frozen values whose JSON shape is the public one; every way out is a renderer
registered once in huidesk/render/output.py, and the --format options are read from that registry."""

import datetime as dt
import inspect
import io
import json
from contextlib import redirect_stdout
from dataclasses import FrozenInstanceError, fields
from zoneinfo import ZoneInfo

import pytest
from conftest import TODAY, ok

from huidesk.reports.spec import Period, ReportScope, ReportSpec

ZONE = ZoneInfo("Asia/Shanghai")
END = dt.datetime(2024, 7, 8, 23, 59, 59, tzinfo=ZONE)


def spec(**settings: str) -> ReportSpec:
    from huidesk.ledger.schema import DEFAULT_SETTINGS, LATER_SETTINGS

    held = {**DEFAULT_SETTINGS, **LATER_SETTINGS, "callback_reading": "final", **settings}
    return ReportSpec(ReportScope(), Period(None, END.date()), END, held)


def test_a_spec_is_one_frozen_value_with_one_name_for_its_moment():
    s = spec()
    assert (s.today, s.as_of_iso, s.first_callback) == (dt.date(2024, 7, 8), "2024-07-08T23:59:59+08:00", False)
    assert spec(callback_reading="first").first_callback
    with pytest.raises(FrozenInstanceError):
        s.as_of = END  # type: ignore[misc]
    with pytest.raises(TypeError):
        s.settings["callback_reading"] = "first"  # type: ignore[index]
    with pytest.raises(ValueError):
        ReportSpec(ReportScope(), s.period, END.replace(tzinfo=None), {})
    month = s.over(Period(dt.date(2024, 6, 1), dt.date(2024, 6, 30)))
    assert (month.period.iso(), month.as_of, month.scope) == (("2024-06-01", "2024-06-30"), s.as_of, s.scope)


def test_every_report_takes_the_spec_and_no_other_today():
    """The five names "today" once reached reports under (today, now, as_of, moment, until) are the spec's."""
    from huidesk.reports import certificate, due, monthly, roster, summary

    entries = (summary.build, monthly.build, monthly.filed_sheet, monthly.trend, roster.roster, certificate.build,
               due.due)
    for entry in entries:
        parameters = inspect.signature(entry).parameters
        assert "spec" in parameters and parameters["spec"].annotation in (ReportSpec, "ReportSpec"), entry
        assert not {"today", "now", "as_of", "moment", "until", "since", "settings"} & set(parameters), entry


def test_the_session_makes_the_spec_from_the_command_line(village):
    from huidesk.context import Session

    s = Session(db=village, actor="tester", today=END.date(), now=END)
    with s.report(s.report_period("2024-01-01", None), team="橙色公益") as (store, made):
        assert made.scope.team_id is not None and made.scope.label == "“橙色公益”志愿服务队"
        assert made.period == Period(dt.date(2024, 1, 1), END.date()) and made.as_of == END
        assert dict(made.settings) == store.settings()
    assert s.month_period("last") == Period(dt.date(2024, 6, 1), dt.date(2024, 6, 30))


def test_a_report_value_is_its_json_and_frozen(village):
    """The summary built in-process from a spec is, as JSON, what `summary --format json` prints."""
    from huidesk.context import Session
    from huidesk.render.output import json_default
    from huidesk.reports.summary import Summary, build

    s = Session(db=village, actor="tester", today=END.date(), now=END)
    with s.report(s.report_period(None, None), place="平伏桥村") as (store, made):
        found = build(store, made)
    assert isinstance(found, Summary)
    with pytest.raises(FrozenInstanceError):
        found.narrative = ""  # type: ignore[misc]
    printed = json.loads(ok("summary", "--place", "平伏桥村", "--format", "json").stdout)
    assert json.loads(json.dumps(found.to_json(), ensure_ascii=False, default=json_default)) == printed
    assert list(found.to_json()) == list(printed)  # the keys in the same order
    assert "sources" not in printed  # a ledger that merged nothing: the key is left out, not null


def test_a_value_is_a_frozen_dataclass_equal_by_its_fields():
    from dataclasses import is_dataclass, replace

    from huidesk.reports.kpis import HotSpot, PlaceCount

    spot = HotSpot("property", 2, (PlaceCount("平伏桥村", 2),))
    assert is_dataclass(spot) and spot == HotSpot("property", 2, (PlaceCount("平伏桥村", 2),))
    assert hash(spot) == hash(replace(spot)) and spot != replace(spot, issues=3) and spot != ("property", 2)
    assert repr(spot) == "HotSpot(category='property', issues=2, places=(PlaceCount(place='平伏桥村', issues=2),))"
    with pytest.raises(FrozenInstanceError):
        spot.issues = 3  # type: ignore[misc]


def test_the_values_keep_the_public_keys_in_their_order():
    from huidesk.reports.kpis import FIGURES, Kpis
    from huidesk.reports.monthly import COLUMNS, COUNTS, TallyRow
    from huidesk.reports.roster import COLUMNS as ROSTER_COLUMNS
    from huidesk.reports.roster import RosterRow

    times = ["response_minutes_median", "response_minutes_p90", "resolve_minutes_median", "resolve_minutes_p90"]
    assert [f.name for f in fields(Kpis)] == [key for key, *_ in FIGURES] + times + ["estimated"]
    counts = {"month": "2024-06", "team": "t", **dict.fromkeys(COUNTS, 0)}
    row = TallyRow.of(counts, spec(basically_weight="0.8", score_weights="10/45/45").settings, "head")
    keys = [key for key, *_ in COLUMNS]
    assert list(row.to_json()) == [key for key in keys if key != "community"]  # a community's only at a street
    street = TallyRow.of({**counts, "community": "紫园社区"},
                         spec(basically_weight="1", score_weights="10/45/45").settings, "head")
    assert list(street.to_json()) == keys and set(row.cells()) == set(keys) and row.cells()["community"] is None
    assert {key for key, *_ in ROSTER_COLUMNS} <= {f.name for f in fields(RosterRow)}


def test_the_list_formats_are_the_registrys():
    from huidesk.commands.reports import ReportFormats, SummaryFormat
    from huidesk.options import ListFormat
    from huidesk.render.output import EXTENSIONS, RENDERERS

    assert [f.value for f in ListFormat] == ["table", "csv", "tsv", "json", "jsonl"]
    assert [f.value for f in ReportFormats] == list(RENDERERS) == ["table", "csv", "tsv", "json", "jsonl", "xlsx"]
    assert [f.value for f in SummaryFormat] == ["table", "json"]
    assert EXTENSIONS == {e: name for name, r in RENDERERS.items() for e in r.extensions}


@pytest.fixture
def markdown():
    """A format registered for one test, as a plug-in would register one: a Markdown table of the rows."""
    from huidesk.render.output import EXTENSIONS, RENDERERS, register_output_renderer

    def write(out, sink) -> None:
        sink("| " + " | ".join(c.header() for c in out.columns) + " |\n")
        for row in out.rows:
            sink("| " + " | ".join(c.cell(row[c.key]) for c in out.columns) + " |\n")

    yield register_output_renderer("md", write, extensions=(".md",), for_people=True)
    del RENDERERS["md"], EXTENSIONS[".md"]


def test_a_registered_format_is_offered_and_drawn_in_one_place(markdown, tmp_path):
    from huidesk.render.output import (
        ROWS,
        TEXT,
        Column,
        Output,
        choose,
        file_formats,
        format_choice,
        formats_drawing,
        render,
    )

    assert "md" in formats_drawing(ROWS) and "md" not in formats_drawing(TEXT)
    assert [f.value for f in format_choice("F", formats_drawing(ROWS))][-1] == "md"
    columns = [Column("team", "服务队", "team"), Column("hours", "时长", "hours")]
    out = Output([{"team": "橙色公益", "hours": 2}], columns, formats=file_formats(ROWS))
    buf = io.StringIO()
    with redirect_stdout(buf):
        render(out, "md")
    assert buf.getvalue() == "| 服务队 | 时长 |\n| 橙色公益 | 2 |\n"
    assert choose(None, tmp_path / "a.md", out.formats) == "md"
    render(out, None, tmp_path / "a.md")  # by its extension, written atomically like every file
    assert (tmp_path / "a.md").read_text(encoding="utf-8") == buf.getvalue()


def test_a_binary_format_is_refused_on_a_terminal_whatever_its_name(markdown, monkeypatch):
    import sys

    from huidesk.domain.errors import InvalidValue
    from huidesk.render.output import Output, render

    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    with pytest.raises(InvalidValue) as refused:
        render(Output((), (), workbook=lambda: b"PK"), "xlsx")
    assert "--output" in refused.value.message()


def test_json_of_every_report_is_its_values_shape(village):
    """What each report command prints as JSON is its value's to_json(): the output registry knows no report."""
    from huidesk.context import Session
    from huidesk.render.output import json_default
    from huidesk.reports import certificate, due, monthly, roster

    assert TODAY == END.date().isoformat()
    ok("activity", "add", "--theme", "爱心理发", "--team", "橙色公益", "--date", "2024-06-03", "--member", "王凤琴",
       "--hours", "2")
    s = Session(db=village, actor="tester", today=END.date(), now=END)
    with s.report(s.month_period("2024-06")) as (store, made):
        month = monthly.build(store, made)
    with s.report(s.report_period(None, None)) as (store, made):
        values = {("report", "monthly", "--month", "2024-06"): month,
                  ("report", "roster"): roster.shown(roster.roster(store, made), False),
                  ("certificate", "王凤琴"): certificate.build(store, made, store.find("members", "王凤琴", "MEMBER"))}
        late = due.due(store, made)

    def plain(value: object) -> object:
        return json.loads(json.dumps(value, ensure_ascii=False, default=json_default))

    for args, value in values.items():
        assert json.loads(ok(*args, "--format", "json").stdout) == plain(value.to_json()), args
    assert json.loads(ok("due", "--format", "json").stdout) == plain([x.to_json() for x in late]) != []
