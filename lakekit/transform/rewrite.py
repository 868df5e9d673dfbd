"""An UPDATE or DELETE that DuckDB computes, rewriting only the files holding the rows it picks.

Where delta-rs cannot run a change as the source dialect would (:mod:`lakekit.transform.native`),
DuckDB runs it. It first finds the files of the target's pinned version that hold a picked row,
and how many each holds: the statement's count of the rows it picks
(:attr:`~lakekit.transform.statement.Change.picked`), grouped by the file each row comes from
(:meth:`~lakekit.storage.fileset.FileSet.with_locations`). The statement's query (the table's rows
after it, :mod:`lakekit.transform.statement`) then reads only those files of the target, and its
rows take their place: written as new files, audited and quarantined as every write is, and
committed together with the removal of the files they replace, in one commit carrying the
transform's provenance and app transaction (:attr:`lakekit.write.publish.Target.replaces`). The
other files are neither read again nor rewritten. A kill before the commit leaves only staged
files no version names; the app transaction makes a re-run land once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlglot import exp

from lakekit.lineage.parse import parse_one
from lakekit.storage.delta import Storage
from lakekit.storage.fileset import FILE_COLUMN, FileSet
from lakekit.transform import query
from lakekit.transform.statement import Change


@dataclass(frozen=True)
class Located:
    """The files of the target's pinned version holding the rows a change picks."""

    relation: str
    """The target's relation in the statement's query (:class:`~lakekit.transform.query.Relation`)."""
    files: tuple[str, ...]
    """Their paths, as :mod:`lakekit.storage.fileset` gives them."""
    rows: int
    """The rows they hold that the change picks: the rows it updates or deletes."""

    def scans(self, prepared: query.Prepared) -> dict[str, FileSet]:
        """The statement's query reading only these files of the target."""
        return {self.relation: prepared.scans[self.relation].only(self.files)}

    @property
    def reason(self) -> str:
        return f"rewrite of the {len(self.files)} file(s) holding the rows it picks"


def locate(storage: Storage, change: Change, prepared: query.Prepared, target: str, dialect: str,
           inputs: Mapping[str, int]) -> Located:
    """The files of ``target`` (at its version in ``inputs``, which ``prepared``, the statement's
    query, reads) holding rows ``change`` picks, found by DuckDB."""
    relation = next(r.name for r in prepared.relations if r.table == target and r.version == inputs[target])
    found = query.prepare(storage, _by_file(change.picked, dialect), dialect=dialect, versions=inputs)
    located = {name: scan.with_locations() for name, scan in found.scans.items() if name == relation}
    counted = query.execute(storage, found, scans=located).read_all()
    paths = {located[relation].location(f): f.path for f in located[relation].files}
    files = tuple(sorted(paths[location] for location in counted.column("file").to_pylist()))
    return Located(relation, files, sum(counted.column("n").to_pylist()))


def _by_file(picked: str, dialect: str) -> str:
    """``SELECT COUNT(*) AS n FROM t WHERE …`` as the count of each file of ``t`` holding rows.

    >>> print(_by_file("SELECT COUNT(*) AS n FROM s.t AS x WHERE a > 1", "duckdb"))
    SELECT x."__lakekit_file" AS file, COUNT(*) AS n FROM s.t AS x WHERE a > 1 GROUP BY x."__lakekit_file"
    """
    tree = parse_one(picked, dialect)
    assert isinstance(tree, exp.Select)
    target = tree.args["from_"].this
    located = exp.column(exp.to_identifier(FILE_COLUMN, quoted=True), table=target.alias_or_name)
    tree.set("expressions", [exp.alias_(located, "file"), *tree.expressions])
    return tree.group_by(located.copy()).sql(dialect)
