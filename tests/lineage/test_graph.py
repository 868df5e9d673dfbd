"""upstream / downstream walks over edges of several statements."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from lakekit.core.results import ColumnEdge
from lakekit.lineage import Walks, column_lineage, downstream, upstream

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


_COLUMNS = st.tuples(st.sampled_from(["a", "b", "c", "d"]), st.sampled_from(["x", "y", "*"]))


@given(st.lists(st.tuples(_COLUMNS, _COLUMNS), max_size=15), _COLUMNS, st.integers(1, 4))
def test_a_walk_of_n_hops_holds_each_edge_of_the_whole_walk_at_most_n_edges_away(pairs, start, hops):
    edges = [ColumnEdge(s[0], s[1], t[0], "y" if t[1] == "*" and s[0] == t[0] else t[1], "direct", "identity")
             for s, t in pairs if s[1] != "*"]
    walks = Walks(edges)
    for whole, walk in ((downstream(edges, *start), walks.downstream), (upstream(edges, *start), walks.upstream)):
        assert sorted({walks.edges[i] for i in walk(*start)}) == whole  # no limit: the whole walk
        near = walk(*start, hops=hops)
        assert {walks.edges[i] for i in near} <= set(whole) and all(1 <= d <= hops for d in near.values())
        assert set(walk(*start, hops=hops + 1)) >= set(near)
        assert {e: d for e, d in walk(*start).items() if d <= hops} == near  # the fewest hops, whatever the limit
