"""Every output format parses: JSON, the OpenLineage columnLineage facet (against the official JSON
Schema, ``tests/impact/openlineage_spec``), Mermaid."""

from __future__ import annotations

import json
import re

from lakekit.lineage import column_lineage, edge_records, to_json, to_mermaid, to_openlineage
from tests.impact.openlineage_schemas import facet_errors

SQL = (
    "CREATE TABLE clean.users AS\n"
    "SELECT u.id, lower(u.email) AS email, ROW_NUMBER() OVER (PARTITION BY u.org ORDER BY u.ts) AS rn\n"
    "FROM raw.users AS u JOIN raw.orgs AS o ON u.org = o.id WHERE o.paid;\n"
    'CREATE TABLE features.users AS SELECT c.id, c.email AS "Mail ""x""" FROM clean.users AS c;\n'
)

TYPES = {"DIRECT": {"IDENTITY", "TRANSFORMATION", "AGGREGATION"},
         "INDIRECT": {"JOIN", "FILTER", "GROUP_BY", "SORT", "WINDOW", "CONDITIONAL"}}


def test_json_round_trips():
    edges = column_lineage(SQL)
    assert json.loads(to_json(edges)) == edge_records(edges)
    assert {tuple(r.values()) for r in json.loads(to_json(edges))} == {
        (e.source_table, e.source_column, e.target_table, e.target_column, e.kind, e.subtype, e.unresolved)
        for e in edges}


def test_openlineage_facets_validate_against_spec():
    edges = column_lineage(SQL)
    facets = to_openlineage(edges, namespace="file://lake")
    assert set(facets) == {"clean.users", "features.users"}
    for facet in facets.values():
        assert facet_errors(json.loads(json.dumps(facet))) == []
        for inputs in [*(f["inputFields"] for f in facet["fields"].values()), facet["dataset"]]:
            for field in inputs:
                for t in field["transformations"]:
                    assert t["subtype"] in TYPES[t["type"]]
    clean = facets["clean.users"]
    assert clean["fields"]["email"]["inputFields"] == [{
        "namespace": "file://lake", "name": "raw.users", "field": "email",
        "transformations": [{"type": "DIRECT", "subtype": "TRANSFORMATION"}]}]
    assert {(f["name"], f["field"], f["transformations"][0]["subtype"]) for f in clean["fields"]["rn"]["inputFields"]} \
        == {("raw.users", "org", "WINDOW"), ("raw.users", "ts", "WINDOW")}
    assert {(f["name"], f["field"]) for f in clean["dataset"]} == {
        ("raw.users", "org"), ("raw.orgs", "id"), ("raw.orgs", "paid")}
    assert "*" not in clean["fields"]


_NODE = re.compile(r'^    (c\d+)\["([^"]*)"\]$')
_SUBGRAPH = re.compile(r'^  subgraph (t\d+)\["([^"]*)"\]$')
_LINK = re.compile(r"^  (c\d+) (-->|-\.->)\|(\w+)\| (c\d+)$")


def test_mermaid_is_a_well_formed_flowchart():
    edges = column_lineage(SQL)
    lines = to_mermaid(edges).splitlines()
    assert lines[0] == "flowchart LR"
    labels: dict[str, tuple[str, str]] = {}
    table = None
    links = set()
    for line in lines[1:]:
        if m := _SUBGRAPH.match(line):
            table = m.group(2)
        elif m := _NODE.match(line):
            assert table is not None
            labels[m.group(1)] = (table, m.group(2).replace("#quot;", '"'))
        elif line == "  end":
            table = None
        else:
            m = _LINK.match(line)
            assert m, f"not a mermaid line: {line!r}"
            kind = "direct" if m.group(2) == "-->" else "indirect"
            links.add((*labels[m.group(1)], *labels[m.group(4)], kind, m.group(3)))
    assert links == {(e.source_table, e.source_column, e.target_table, e.target_column, e.kind, e.subtype)
                     for e in edges}
    assert ("clean.users", "email", "features.users", 'Mail "x"', "direct", "identity") in links
