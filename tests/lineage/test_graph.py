"""upstream / downstream walks over edges of several statements."""

from __future__ import annotations

from lakekit.lineage import column_lineage, downstream, upstream

SQL = """
CREATE TABLE clean.users AS SELECT u.id, u.email FROM raw.users AS u
  WHERE u.ip NOT IN (SELECT s.ip FROM raw.spam_ips AS s);
CREATE TABLE features.users AS SELECT c.id, length(c.email) AS email_len FROM clean.users AS c;
CREATE TABLE features.orgs AS SELECT o.id FROM raw.orgs AS o;
"""


def test_downstream_follows_whole_output_edges():
    edges = column_lineage(SQL)
    reached = {(e.target_table, e.target_column) for e in downstream(edges, "raw.spam_ips", "ip")}
    assert reached == {("clean.users", "*"), ("features.users", "id"), ("features.users", "email_len")}


def test_upstream_includes_indirect_sources():
    edges = column_lineage(SQL)
    sources = {(e.source_table, e.source_column) for e in upstream(edges, "features.users", "email_len")}
    assert sources == {("clean.users", "email"), ("raw.users", "email"), ("raw.users", "ip"),
                       ("raw.spam_ips", "ip")}
    assert upstream(edges, "features.orgs", "id") == [e for e in edges if e.target_table == "features.orgs"]
