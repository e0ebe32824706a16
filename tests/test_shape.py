"""kg.shape: the one table of predicates ↔ fields that writing and reading report graphs go through."""
from __future__ import annotations

from pathlib import Path

from rdflib import RDF

from extractors import extract
from kg.graph import build_report_graph
from kg.shape import CONCEPT, FIELD_OF, RELATION_PROPERTIES, SHAPES, TYPE, predicates
from synthetic import generate

ROOT = Path(__file__).resolve().parents[1]
DATED = """UBND TỈNH NGHỆ AN
Số: 15/BC-STP                    Nghệ An, ngày 10 tháng 3 năm 2023

BÁO CÁO
Kết quả thực hiện

Nghị định số 96/2010/NĐ-CP ngày 20/9/2010 sửa đổi, bổ sung một số điều của Nghị định số 115/2005/NĐ-CP
ngày 5/9/2005 của Chính phủ, có hiệu lực từ ngày 01/11/2010. Thực hiện Luật Đất đai năm 2013, Sở báo cáo.
"""  # a relation with its effective date, a name with its year


def extractions():
    from test_graph import ha_tinh, nghe_an

    example = ROOT / "examples" / "nghean-skhcn-cchc-2023.ocr.txt"
    yield nghe_an()
    yield ha_tinh()  # paged
    yield extract(example.read_text(encoding="utf-8"), source="examples/" + example.name)
    yield extract(DATED, source="dated.txt")
    yield from (extract(r.text, source=f"{r.name}.txt") for r in generate(20, seed=2, noise=0.3))


def test_every_triple_of_a_report_graph_is_a_field_of_its_subjects_kind():
    """What report_triples writes of a node is in the table under the node's class: a reader that maps
    predicates through the table misses nothing (a relation's direct triple excepted)."""
    fields = {type(shape).cls: {TYPE, *predicates(shape).values()} for shape in SHAPES}
    seen, classes = set(), set()
    for ex in extractions():
        g = build_report_graph(ex).graph
        for s, p, o in g:
            allowed = set(RELATION_PROPERTIES.values()).union(*(fields.get(c, ()) for c in g.objects(s, RDF.type)))
            assert p in allowed, (s, p)
            seen.add(p)
            if p == TYPE:
                classes.add(o)
    # The samples reach every kind of node and every field (skos:altLabel is the vocabulary's only).
    assert classes >= set(fields)
    assert seen >= set().union(*fields.values()) - {CONCEPT.alt_label}


def test_a_predicate_has_one_field_name():
    names = {}
    for shape in SHAPES:
        for name, predicate in predicates(shape).items():
            assert names.setdefault(predicate, name) == name, predicate
    assert {str(p): n for p, n in names.items()} == FIELD_OF
