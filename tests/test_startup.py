"""`visit add` without pydantic: huidesk.ledger.shortcuts.visit decides a visit as VisitIn does.

The light check accepts only what it can decide exactly; everything else goes to the pydantic model. These
tests prove that what it accepts the model accepts, with the same values and the same row, that it refuses
nothing the model would accept from a command, and that the command's process imports no pydantic.
"""

import subprocess
import sys

import pytest
from conftest import ok, rejected
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from huidesk.domain.errors import HuideskError
from huidesk.domain.i18n import set_lang
from huidesk.domain.models import VisitIn
from huidesk.ledger import shortcuts

# Text that meets every edge of the rules: pydantic's stripped white space and the characters Python's strip
# takes as well (U+001C-U+001F), other invisible characters, control characters, CJK, surrogates (argv's
# undecodable bytes) and plain letters.
EDGES = "\t\n\v\f\r \x85\xa0\u1680\u2000\u200a\u2028\u2029\u202f\u205f\u3000\x1c\x1d\x1e\x1f\u200b\ufeff\u180e" \
        "\x00\x07\x1b\x7f\udcff丁学志慰问品看望aZ9-、"
clean = st.sampled_from(["", " ", "\u3000", "\t\n", "\x85"])
pieces = st.one_of(clean, clean, st.text(alphabet=EDGES, max_size=3))  # mostly what strips away
texts = st.builds(lambda a, n, b: a + "看" * n + b, pieces, st.sampled_from([0, 1, 2, 199, 200, 201, 1999, 2000, 2001]),
                  pieces)
days = st.builds(lambda d, a, b: a + d + b, st.sampled_from(["2024-07-07", "2024-07-08", "2024-07-09", "", "x"]),
                 pieces, pieces)
hours = st.sampled_from(["2", "1.5", "90分钟", "1小时30分", "半小时", "0", "24", "24.01", "-1", "abc", " 2 ", "1 30",
                         "１．５", "1439.5分钟", "1440.4分钟"]) | st.text(alphabet="0123456789.小时分钟 h", max_size=6)
ids = st.integers(min_value=-2, max_value=2**70)

# The values a command passes (the types it passes, any content).
command_values = st.fixed_dictionaries(
    {"team_id": ids, "date": days},
    optional={
        "today": days,
        "purpose": st.none() | texts,
        "gifts": st.lists(texts, max_size=3).map(tuple),
        "note": st.none() | texts,
        "follow_up": st.booleans(),
        "minutes_each": st.none() | hours | st.integers(min_value=-1, max_value=1441),
        "member_ids": st.lists(ids, max_size=3).map(tuple),
    },
)
# Values of other types than a command passes, and fields VisitIn does not have.
odd = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.floats(allow_nan=False, width=16),
                st.sampled_from(["1", " 7 ", "2024-07-01", "true"]), st.lists(st.integers(0, 3) | texts, max_size=2),
                st.lists(st.integers(0, 3), max_size=2).map(tuple), st.binary(max_size=2))
odd_values = st.dictionaries(st.sampled_from([*sorted(shortcuts.VISIT_FIELDS), "volunteers", "place_id"]),
                             odd | texts, max_size=6)


def _model(values: dict):
    """VisitIn.of's answer: the model, or the refusal's message."""
    try:
        return VisitIn.of(**values)
    except HuideskError as e:
        return e.message()


def _light(values: dict):
    """shortcuts.visit's answer, in the same terms."""
    try:
        return shortcuts.visit(**values)
    except HuideskError as e:
        return e.message()


def _same(light, model) -> None:
    if isinstance(model, str):
        assert light == model
        return
    assert not isinstance(light, str), light
    for field in shortcuts.VISIT_FIELDS:
        assert getattr(light, field) == getattr(model, field), field
        assert type(getattr(light, field)) is type(getattr(model, field)), field
    assert list(light.row().items()) == list(model.row().items())  # the same columns, in the same order


@pytest.fixture(params=["zh", "en"])
def lang(request):
    set_lang(request.param)
    yield request.param
    set_lang("zh")


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=command_values)
def test_the_light_check_accepts_exactly_what_the_model_accepts(values, lang):
    model = _model(values)
    checked = shortcuts._visit(values)
    event("accepted" if checked is not None else "refused")
    assert (checked is not None) == (not isinstance(model, str)), (values, model)
    _same(_light(values), model)
    if checked is not None:
        _same(checked, model)


one_field = st.one_of(
    st.tuples(st.just("purpose"), texts), st.tuples(st.just("note"), texts),
    st.tuples(st.just("gifts"), texts.map(lambda text: (text,))), st.tuples(st.just("date"), days),
    st.tuples(st.just("minutes_each"), hours | st.integers(-1, 1441) | st.sampled_from([0, 1440, 1441])),
)


@settings(max_examples=800, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(field=one_field)
def test_each_field_alone_is_decided_alike(field, lang):
    """One field at a time beside good ones, so that each field's edges are met often."""
    values = {"team_id": 1, "date": "2024-07-07", "today": "2024-07-08", "member_ids": (1,), field[0]: field[1]}
    model = _model(values)
    assert (shortcuts._visit(values) is not None) == (not isinstance(model, str)), (values, model)
    _same(_light(values), model)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=odd_values)
def test_values_of_other_types_get_the_models_answer(values, lang):
    _same(_light(values), _model(values))


def test_edge_cases_are_decided_alike():
    """Each edge the strategies aim at, decided alike, with the light check deciding every well-typed one."""
    base = {"team_id": 1, "date": "2024-07-07", "today": "2024-07-08"}
    cases = [
        ({}, True),
        ({"purpose": "\u3000看望\u2028", "gifts": (" 米 ", "油"), "note": "", "follow_up": True}, False),
        ({"purpose": "\u3000看望\u2028", "gifts": (" 米 ", "油"), "note": "记", "follow_up": True}, True),
        ({"purpose": "\x1c看望"}, False),  # Python's strip would take U+001C, pydantic keeps it and refuses
        ({"purpose": "看" * 200}, True), ({"purpose": "看" * 201}, False),
        ({"minutes_each": "1.5", "member_ids": (3, 3)}, True), ({"minutes_each": "1.5"}, False),
        ({"minutes_each": 1440, "member_ids": (1,)}, True), ({"minutes_each": "24.01", "member_ids": (1,)}, False),
        ({"date": " 2024-07-09 "}, False), ({"date": " 2024-07-08\t"}, True), ({"today": ""}, True),
        ({"team_id": "1"}, None), ({"member_ids": [1]}, None), ({"follow_up": 1}, None), ({"place_id": 1}, None),
    ]
    for extra, accepted in cases:
        values = {**base, **extra}
        model = _model(values)
        if accepted is None:  # another type than a command passes: the model decides, whatever it says
            assert shortcuts._visit(values) is None
        else:
            assert (shortcuts._visit(values) is not None) == accepted, extra
            assert (not isinstance(model, str)) == accepted, (extra, model)
        _same(_light(values), model)


def test_the_light_check_knows_the_models_fields_and_bounds():
    """The fields, defaults and pydantic bounds mirrored in the light check are the model's own."""
    fields = VisitIn.model_fields
    assert set(fields) == shortcuts.VISIT_FIELDS
    light = shortcuts.CheckedVisit.__dataclass_fields__
    for name, info in fields.items():
        if not info.is_required():
            assert info.get_default(call_default_factory=True) == light[name].default, name
    assert {name for name, info in fields.items() if info.is_required()} == {"team_id", "date"}
    assert VisitIn.model_config["str_strip_whitespace"] and VisitIn.model_config["extra"] == "forbid"

    def bounds(schema: object) -> dict:
        """The length and value bounds anywhere in a field's core schema."""
        found = {}
        if isinstance(schema, dict):
            found.update({k: schema[k] for k in ("min_length", "max_length", "ge", "le") if k in schema})
            for key, inner in schema.items():
                if key != "function":  # a bound given beside a validator is named in its metadata
                    found.update(bounds(inner))
        elif isinstance(schema, list):
            for inner in schema:
                found.update(bounds(inner))
        return found

    VisitIn.model_rebuild()
    core = VisitIn.__pydantic_core_schema__["schema"]["schema"]["fields"]
    for name, (least, most) in shortcuts.VISIT_TEXT.items():
        assert bounds(core[name]["schema"]) == {"min_length": least, "max_length": most}, name
    assert bounds(core["minutes_each"]["schema"]) == {"ge": 0, "le": shortcuts.MAX_MINUTES}
    assert {name for name in core if bounds(core[name]["schema"])} == {*shortcuts.VISIT_TEXT, "minutes_each"}


def test_visit_add_imports_no_pydantic_and_a_refusal_reads_the_same(db):
    """The command's process leaves pydantic out when the visit is good, and a refused one is worded by it."""
    ok("place", "add", "银川市/金凤区/满城北街街道/平伏桥村/48号楼")
    ok("member", "add", "王凤琴")
    ok("team", "add", "橙色公益", "--place", "平伏桥村")
    ok("resident", "add", "丁学志", "--place", "48号楼")
    args = ["visit", "add", "丁学志", "--team", "橙色公益", "--member", "王凤琴", "--hours", "1.5", "--gift", "米"]
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "huidesk", *args], capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stderr
    modules = {line.split("|")[-1].strip() for line in result.stderr.splitlines() if line.startswith("import time:")}
    assert "huidesk.ledger.shortcuts" in modules
    assert not {"pydantic", "pydantic_core", "huidesk.domain.models"} & modules
    line = rejected(db, "visit", "add", "丁学志", "--team", "橙色公益", "--date", "2024-08-01", "--purpose", " ")
    assert line == "错误：--date 的值无效：“2024-08-01”（晚于今天（2024-07-08））；--purpose 的值无效：“ ”（不能为空）"


def test_a_visit_recorded_through_the_light_check_is_the_models_row(db):
    """The row the ledger keeps is the one VisitIn gives for the same values (exported as JSON)."""
    import json

    ok("place", "add", "银川市/金凤区/满城北街街道/平伏桥村/48号楼")
    ok("member", "add", "王凤琴")
    ok("team", "add", "橙色公益", "--place", "平伏桥村")
    ok("resident", "add", "丁学志", "--place", "48号楼")
    ok("visit", "add", "丁学志", "--team", "橙色公益", "--member", "王凤琴", "--hours", " 1个半小时 ", "--purpose",
       "\u3000看望高龄老人 ", "--gift", "米", "--gift", " 油", "--follow-up", "--date", "7月7日")
    [row] = json.loads(ok("export", "visits", "--format", "json", "--with-pii").stdout)
    model = VisitIn.of(team_id=1, date="2024-07-07", purpose="\u3000看望高龄老人 ", gifts=("米", " 油"),
                       follow_up=True, minutes_each=" 1个半小时 ", member_ids=(1,), today="2024-07-08").row()
    assert (row["date"], row["purpose"], row["gifts"], row["follow_up"]) == \
        (model["date"], model["purpose"], model["gifts"], model["follow_up"])
    assert model["minutes_each"] == 90 and row["hours_each"] in (1.5, "1.5")
