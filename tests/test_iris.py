"""The IRI scheme builds and reads back the same keys, under any base."""
import pytest

from kg.iris import DEFAULT_BASE, IriScheme


@pytest.mark.parametrize("base", [DEFAULT_BASE, "https://kg.example.gov.vn/", "https://kg.example.gov.vn/report/",
                                  "https://kg.example.gov.vn/graph/data/"])
def test_parse_reads_back_what_the_scheme_builds(base):
    scheme = IriScheme(base)
    assert IriScheme.parse(scheme.report("8cbe141c7f694556")) == (scheme, "report", "8cbe141c7f694556")
    assert IriScheme.parse(scheme.graph("8cbe141c7f694556")) == (scheme, "graph", "8cbe141c7f694556")
    assert IriScheme.parse(scheme.instrument("vn-nghe-an/2022/4288-qd-ubnd")) == (
        scheme, "instrument", "vn-nghe-an/2022/4288-qd-ubnd")
    # A mention's and a relation's IRI read back to their report.
    assert IriScheme.parse(scheme.mention("k1", 3, 9)) == (scheme, "report", "k1")
    assert IriScheme.key_of(scheme.relation("k1", 3, 9, "amends", "0123abcd"), "report") == "k1"
    assert IriScheme.key_of(scheme.report("k1"), "instrument") is None


def test_what_is_no_iri_of_the_scheme():
    assert IriScheme.parse("https://example.org/other/thing") is None
    assert IriScheme.parse(DEFAULT_BASE + "report/") is None
