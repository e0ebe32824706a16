"""kg.tabular (rows → table, JSON, CSV) and kg.query.rows (SPARQL results → Python values)."""
import csv
import datetime as dt
import io
import json
from decimal import Decimal

import pyoxigraph as ox
import pytest

from kg import tabular
from kg.query import python_value, rows

COLUMNS = ["name", "count", "share", "exact", "ok", "date", "when", "missing"]
ROWS = [
    {"name": "60/2021/NĐ-CP", "count": 3, "share": 0.25, "exact": Decimal("1.50"), "ok": True,
     "date": dt.date(2021, 6, 21), "when": dt.datetime(2021, 6, 21, 8, 30), "missing": None},
    {"name": 'a "quoted", line\nbreak', "count": -1, "share": float("inf"), "exact": Decimal("12"), "ok": False,
     "date": None, "when": None},  # "missing" is absent: a missing value too
]


def write(fmt: str, rows=ROWS, **options) -> str:
    out = io.StringIO()
    tabular.write(rows, COLUMNS, fmt, out, **options)
    return out.getvalue()


def test_json_is_an_array_of_objects_with_typed_values():
    data = json.loads(write("json"))
    assert data == [
        {"name": "60/2021/NĐ-CP", "count": 3, "share": 0.25, "exact": 1.5, "ok": True, "date": "2021-06-21",
         "when": "2021-06-21T08:30:00", "missing": None},
        {"name": 'a "quoted", line\nbreak', "count": -1, "share": "INF", "exact": 12, "ok": False, "date": None,
         "when": None, "missing": None},
    ]
    assert type(data[1]["exact"]) is int
    assert "NĐ" in write("json")  # as UTF-8 text, not \\u escapes
    assert json.loads(write("json", rows=[])) == []


def test_csv_holds_the_same_values_as_text():
    text = write("csv")
    assert text.splitlines()[0] == ",".join(COLUMNS)
    parsed = list(csv.DictReader(io.StringIO(text)))
    assert parsed == [
        {"name": "60/2021/NĐ-CP", "count": "3", "share": "0.25", "exact": "1.5", "ok": "true", "date": "2021-06-21",
         "when": "2021-06-21T08:30:00", "missing": ""},
        {"name": 'a "quoted", line\nbreak', "count": "-1", "share": "INF", "exact": "12", "ok": "false", "date": "",
         "when": "", "missing": ""},
    ]
    assert write("csv", rows=[]) == ",".join(COLUMNS) + "\n"


def test_table_aligns_columns_and_cuts_long_cells():
    lines = write("table", rows=[{"name": "x" * 30, "count": 1}, {"name": "y", "count": 22}], max_width=10).splitlines()
    assert lines[0].split() == [c.upper() for c in COLUMNS]
    assert lines[1].split() == ["xxxxxxxxx…", "1"] and lines[2].split() == ["y", "22"]
    assert lines[0].index("COUNT") == lines[1].index("1") == lines[2].index("22") == len("xxxxxxxxx…  ")
    assert write("table", rows=[]) == ""  # the caller says "0 rows"
    assert tabular.table([{"a": 1}], ["a"], upper=False).splitlines()[0] == "a"


def test_a_command_may_write_values_of_its_own():
    shout = {"cell": lambda v: str(v).upper(), "value": lambda v: [v]}
    assert write("csv", rows=[{"name": "nđ"}], **shout).splitlines()[1].startswith("NĐ,NONE")
    assert write("table", rows=[{"name": "nđ"}], upper=False, **shout).splitlines()[0].startswith("name ")
    assert json.loads(write("json", rows=[{"name": "nđ"}], **shout))[0]["name"] == ["nđ"]


def test_unknown_format_is_refused():
    with pytest.raises(ValueError, match="unknown format 'xml'"):
        write("xml")


XSD = "http://www.w3.org/2001/XMLSchema#"


@pytest.mark.parametrize("term, value", [
    (ox.Literal("42", datatype=ox.NamedNode(XSD + "integer")), 42),
    (ox.Literal("7", datatype=ox.NamedNode(XSD + "nonNegativeInteger")), 7),
    (ox.Literal("1.50", datatype=ox.NamedNode(XSD + "decimal")), Decimal("1.50")),
    (ox.Literal("1.0E2", datatype=ox.NamedNode(XSD + "double")), 100.0),
    (ox.Literal("true", datatype=ox.NamedNode(XSD + "boolean")), True),
    (ox.Literal("0", datatype=ox.NamedNode(XSD + "boolean")), False),
    (ox.Literal("2021-06-21", datatype=ox.NamedNode(XSD + "date")), dt.date(2021, 6, 21)),
    (ox.Literal("2021-06-21T08:30:00", datatype=ox.NamedNode(XSD + "dateTime")), dt.datetime(2021, 6, 21, 8, 30)),
    (ox.Literal("Nghị định"), "Nghị định"),
    (ox.Literal("Nghị định", language="vi"), "Nghị định"),
    (ox.Literal("not a number", datatype=ox.NamedNode(XSD + "integer")), "not a number"),
    (ox.Literal("P1Y", datatype=ox.NamedNode(XSD + "duration")), "P1Y"),
    (ox.NamedNode("https://w3id.org/legal-kg/id/instrument/vn/60-2021-nd-cp"),
     "https://w3id.org/legal-kg/id/instrument/vn/60-2021-nd-cp"),
    (ox.BlankNode("b0"), "_:b0"),
    (None, None),
])
def test_python_value(term, value):
    got = python_value(term)
    assert got == value and type(got) is type(value)


def test_rows_of_a_select():
    store = ox.Store()
    result = store.query("SELECT ?n ?d ?b ?s ?unbound WHERE { VALUES (?n ?d ?b ?s) { "
                         "(1 2.5 true 'x') (2 3.0 false 'y') } } ORDER BY ?n")
    assert rows(result) == [{"n": 1, "d": Decimal("2.5"), "b": True, "s": "x", "unbound": None},
                            {"n": 2, "d": Decimal("3.0"), "b": False, "s": "y", "unbound": None}]
    with pytest.raises(TypeError, match="SELECT"):
        rows(store.query("ASK { }"))
