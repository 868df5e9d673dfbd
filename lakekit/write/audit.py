"""The audit of incoming rows against a table's pandera schema, batch by batch.

Each batch is judged in one polars pass over the checks :mod:`lakekit.core.checks` compiled
(pandera runs only the checks that cannot be compiled), and split into rows that may commit and
rows that failed, the latter kept whole and exactly typed with the failed checks in ``_errors``.

Uniqueness holds for the table as it will be after the commit: a key value is claimed by the
table's rows before the load (``prior``) or else by the first row of the load that carries it;
every later row with that value fails. Nulls compare equal, as in pandera's own check.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

import polars as pl
import pyarrow as arrow

from lakekit.core.checks import ORIGINAL, CheckPlan, Custom, Rule, compile_plan
from lakekit.core.definition import schema_hash, schema_name
from lakekit.core.model import Key, Model, OnInvalid, policy_of, table_of, unique_keys
from lakekit.core.results import CheckFailure, ValidationReport
from lakekit.write.claimed import Claimed
from lakekit.write.validate import ERRORS

OWNER = "\x00owner"
"""The merge key of each row, beside the values it claims (merge loads only)."""
FIRST_ROWS = 10
"""How many row numbers a failure keeps."""


def _run_custom(custom: Custom, frame: pl.LazyFrame, height: int) -> pl.Series:
    """Where ``custom`` fails, by pandera's own run of it; a check that answers for the whole
    batch (one boolean) fails every row when it fails.
    """
    output = custom.check(frame, custom.column).check_output
    passed = (output.collect() if isinstance(output, pl.LazyFrame) else output).to_series()
    if len(passed) != height:
        passed = pl.repeat(bool(passed.all()), height, eager=True)
    return passed.not_().fill_null(False)


def _with_errors(rows: arrow.Table, errors: arrow.Array) -> arrow.Table:
    return rows.append_column(arrow.field(ERRORS, arrow.string()), errors)


@dataclass(frozen=True)
class Audited:
    """One audited batch: rows that may commit, and rows that failed (with ``_errors``)."""

    valid: arrow.Table
    rejected: arrow.Table


@dataclass
class _Tally:
    column: str | None
    check: str
    rejects: bool
    count: int = 0
    first_rows: list[int] = field(default_factory=list)


class Auditor:
    """Audits the batches of one load (or one table version) against ``model``.

    ``prior`` holds the values of the table's unique columns before the commit, so that
    uniqueness spans the table after it. A merge (``replaces``: its key columns) replaces the
    rows whose keys it brings, so a value is taken only when a row with another key holds it:
    ``prior`` then also has the key columns. (A merge that swaps a unique value between two keys
    in one load is refused: which row gives it up is known only at the end.) ``on_invalid``
    overrides the model's policy; under
    ``"warn"`` every row that can be stored goes to ``valid`` (only values that do not fit the
    schema's types are rejected), and the report still lists every failure.
    """

    def __init__(
        self,
        model: Model,
        *,
        prior: arrow.Table | None = None,
        replaces: Sequence[str] = (),
        on_invalid: OnInvalid | None = None,
        source: str = "data",
    ) -> None:
        self.model = model
        self.policy = policy_of(model, on_invalid)
        self.source = source
        self.rows = 0
        self._plans: dict[tuple[tuple[str, pl.DataType], ...], CheckPlan] = {}
        self._tallies: dict[tuple[str | None, str], _Tally] = {}
        self._seen = {key: Claimed() for key in unique_keys(model)}
        self._owner = pl.struct(*replaces) if replaces else None
        self._held: dict[Key, tuple[Claimed, Claimed]] = {}
        """Merge: per unique key, the prior values, and the (value, merge key) pairs holding them."""
        if prior is not None:
            self._seed(prior)

    def _seed(self, prior: arrow.Table) -> None:
        frame = pl.from_arrow(prior, rechunk=False)
        assert isinstance(frame, pl.DataFrame)
        columns = self.model.to_schema().columns
        typed = frame.with_columns(pl.col(c).cast(columns[c].dtype.type, strict=False)
                                   for c in frame.columns if c in columns)
        for key, seen in self._seen.items():
            if not all(c in frame.columns for c in key.columns):
                continue
            values = typed.select(key.value.alias("key")).to_series()
            if self._owner is None:
                seen.add(values)
                continue
            held = self._held.setdefault(key, (Claimed(), Claimed()))
            held[0].add(values)
            held[1].add(typed.select(pl.struct(key.value.alias("v"), self._owner.alias("o"))).to_series())

    def _taken(self, key: Key, values: pl.Series, owners: pl.Series) -> pl.Series:
        """Whether each value is held by a prior row another merge key owns."""
        if key not in self._held:
            return pl.repeat(False, len(values), eager=True)
        held, pairs = self._held[key]
        pair = pl.DataFrame({"v": values, "o": owners}).select(pl.struct("v", "o")).to_series()
        return held.contains(values) & ~pairs.contains(pair)

    def _plan(self, frame: pl.DataFrame) -> CheckPlan:
        signature = tuple(frame.schema.items())
        if signature not in self._plans:
            self._plans[signature] = compile_plan(self.model, frame.schema, source=self.source)
        return self._plans[signature]

    def audit(self, batch: arrow.RecordBatch | arrow.Table) -> Audited:
        """Split ``batch`` into rows that may commit and rows that failed."""
        table = arrow.Table.from_batches([batch]) if isinstance(batch, arrow.RecordBatch) else batch
        frame = pl.from_arrow(table, rechunk=False)
        assert isinstance(frame, pl.DataFrame)
        plan = self._plan(frame)
        prepared = frame.lazy().with_columns(plan.prepare)
        names = [f"r{i}" for i in range(len(plan.rules))]
        outputs = [rule.fails.alias(n) for rule, n in zip(plan.rules, names, strict=True)]
        outputs += [key.value.is_first_distinct().not_().alias(f"k{i}") for i, key in enumerate(plan.keys)]
        outputs += [key.value.alias(f"v{i}") for i, key in enumerate(plan.keys)]
        outputs += [pl.col(c) for c in plan.coerced]
        if self._owner is not None and self._held:
            outputs.append(self._owner.alias(OWNER))
        computed = prepared.select(outputs).collect()
        flags = computed.select(names)
        rules = list(plan.rules)
        for i, key in enumerate(plan.keys):
            duplicate = computed[f"k{i}"]
            seen = self._seen[key]
            duplicate = duplicate | seen.contains(computed[f"v{i}"])
            if OWNER in computed.columns:
                duplicate = duplicate | self._taken(key, computed[f"v{i}"], computed[OWNER])
            seen.add(computed[f"v{i}"])
            flags = flags.with_columns(duplicate.alias(f"k{i}"))
            rules.append(Rule(key.label, key.check, pl.col(f"k{i}")))
        if plan.custom:
            checked = prepared.drop([ORIGINAL + c for c in plan.coerced])
            for i, custom in enumerate(plan.custom):
                flags = flags.with_columns(_run_custom(custom, checked, frame.height).alias(f"c{i}"))
                rules.append(Rule(custom.column, custom.name, pl.col(f"c{i}"), rejects=not custom.check.raise_warning))
        return self._split(table, frame.height, flags, rules, computed, plan)

    def _split(
        self,
        table: arrow.Table,
        height: int,
        flags: pl.DataFrame,
        rules: list[Rule],
        computed: pl.DataFrame,
        plan: CheckPlan,
    ) -> Audited:
        counts = flags.sum().row(0) if flags.width else ()
        for name, rule, count in zip(flags.columns, rules, counts, strict=True):
            if count:
                tally = self._tallies.setdefault(
                    (rule.column, rule.check), _Tally(rule.column, rule.check, rule.rejects)
                )
                tally.count += count
                if len(tally.first_rows) < FIRST_ROWS:
                    head = flags[name].arg_true().head(FIRST_ROWS - len(tally.first_rows))
                    tally.first_rows += [self.rows + int(r) for r in head]
        self.rows += height
        valid = table
        for name in plan.coerced:
            typed = computed[name].to_arrow(compat_level=pl.CompatLevel.oldest())
            valid = valid.set_column(valid.schema.get_field_index(name), name, typed)
        valid = valid.drop_columns(list(plan.drop))
        blocking = [
            n for n, r, c in zip(flags.columns, rules, counts, strict=True) if c and r.rejects and self._blocks(r)
        ]
        if not blocking:
            return Audited(valid, _with_errors(table.slice(0, 0), arrow.array([], arrow.string())))
        mask = flags.select(pl.any_horizontal(blocking)).to_series()
        kept = mask.not_().to_arrow()
        failed = flags.filter(mask)
        items = [
            pl.when(pl.col(n)).then(pl.lit(json.dumps({"check": r.check, "column": r.column})))
            for n, r, c in zip(flags.columns, rules, counts, strict=True)
            if c
        ]
        errors = failed.select(pl.concat_str(items, separator=",", ignore_nulls=True)).to_series()
        errors = ("[" + errors + "]").to_arrow().cast(arrow.string())
        return Audited(valid.filter(kept), _with_errors(table.filter(mask.to_arrow()), errors))

    def audit_stream(self, batches: Iterable[arrow.RecordBatch], *, min_rows: int = 131_072) -> Iterator[Audited]:
        """Audit a stream of batches, joined into chunks of at least ``min_rows`` rows (except
        the last): each audit has a fixed cost of a few milliseconds, which small batches (a CSV
        reader's 1 MiB blocks) would pay thousands of times.
        """
        held: list[arrow.RecordBatch] = []
        rows = 0
        for batch in batches:
            held.append(batch)
            rows += batch.num_rows
            if rows >= min_rows:
                yield self.audit(arrow.Table.from_batches(held))
                held, rows = [], 0
        if held:
            yield self.audit(arrow.Table.from_batches(held))

    def _blocks(self, rule: Rule) -> bool:
        return rule.dtype or self.policy != "warn"

    def report(self, version: int | None = None) -> ValidationReport:
        """The verdict on every row audited so far (``version``: the table version they became)."""
        failures = tuple(CheckFailure(t.column, t.check, t.count, tuple(t.first_rows)) for t in self._tallies.values())
        return ValidationReport(
            ok=not any(t.rejects for t in self._tallies.values()),
            version=version,
            table=table_of(self.model),
            schema_name=schema_name(self.model),
            schema_hash=schema_hash(self.model),
            rows_checked=self.rows,
            failures=failures,
        )
