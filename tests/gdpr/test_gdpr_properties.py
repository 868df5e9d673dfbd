"""Properties of finding and erasing a data subject, over random small populations.

Hypothesis draws 3-8 people, each with 1-2 accounts (``crm.people``: a unique ``user_id``, the
person's e-mail on all of their accounts, an IP from a pool of two, so people share IPs) and
random orders of those accounts (``crm.orders``), each table loaded over 1-3 ingests, so the
person picked as the subject lands in various versions (or only in the latest). Sometimes the last
people batch is a MERGE that also updates an earlier row (delta-rs writes ``string_view`` files),
and sometimes one account's orders are deleted by hand (``DELETE … WHERE user_id = <id>``: the
predicate, with a short integer id, stays in the commit's ``operationParameters``). Schemas are
those of ``tests/gdpr/gdpr_models.py``.

- ``find(email=...)`` counts exactly the subject's accounts and orders in the latest versions,
  names the versions holding them, and never follows a shared IP to somebody else's rows;
- after ``erase``, ``verify`` finds nothing, everybody else's rows are all there exactly once,
  every version reads as before minus the subject's rows (the ones that never held the subject
  exactly as before), nothing of the subject's is found by any of their user ids, and a delete
  predicate naming somebody else is kept word for word.
"""

from __future__ import annotations

import itertools
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from deltalake import DeltaTable
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lakekit import Lake

SCHEMAS = "tests.gdpr.gdpr_models"
IPS = ("10.1.1.1", "10.2.2.2")
PEOPLE_COLUMNS = ("user_id", "email", "name", "ip", "country")
ORDER_COLUMNS = ("order_id", "user_id", "amount")

Row = tuple[Any, ...]


@dataclass(frozen=True)
class Population:
    """Rows of ``crm.people`` and ``crm.orders``, each split into the batches of its ingests."""

    people: tuple[tuple[Row, ...], ...]
    orders: tuple[tuple[Row, ...], ...]
    subject: int
    """The person erased: their e-mail is ``person<subject>@example.com``."""
    merge: bool
    """The last people batch (of several) is merged on ``user_id``, with an update of the first row."""
    deleted: int | None
    """An account whose orders are deleted by hand after the loads."""

    @property
    def email(self) -> str:
        return _email(self.subject)

    def accounts(self) -> set[int]:
        return {r[0] for batch in self.people for r in batch if r[1] == self.email}


def _email(person: int) -> str:
    return f"person{person}@example.com"


def _batches(draw: st.DrawFn, rows: list[Row]) -> tuple[tuple[Row, ...], ...]:
    """``rows`` (shuffled) in 1-3 non-empty consecutive batches: one ingest each."""
    rows = draw(st.permutations(rows))
    cuts = draw(st.lists(st.integers(1, len(rows) - 1), max_size=2, unique=True)) if len(rows) > 1 else []
    bounds = [0, *sorted(cuts), len(rows)]
    return tuple(tuple(rows[a:b]) for a, b in itertools.pairwise(bounds))


@st.composite
def populations(draw: st.DrawFn) -> Population:
    persons = draw(st.integers(3, 8))
    sizes = [draw(st.integers(1, 2)) for _ in range(persons)]
    ids = draw(st.lists(st.integers(1, 10_000), min_size=sum(sizes), max_size=sum(sizes), unique=True))
    people: list[Row] = []
    for person, size in enumerate(sizes):
        for _ in range(size):
            people.append((ids[len(people)], _email(person), f"Person {person}", draw(st.sampled_from(IPS)),
                           draw(st.sampled_from(["SE", "FI", "NO"]))))
    owners = draw(st.lists(st.sampled_from(ids), min_size=1, max_size=12))
    amounts = draw(st.lists(st.integers(0, 500), min_size=len(owners), max_size=len(owners)))
    orders = [(100 + i, user, float(amount)) for i, (user, amount) in enumerate(zip(owners, amounts, strict=True))]
    return Population(_batches(draw, people), _batches(draw, orders), draw(st.integers(0, persons - 1)),
                      draw(st.booleans()), draw(st.none() | st.sampled_from(ids)))


def _load(lake: Lake, src: Path, table: str, columns: tuple[str, ...], batches: tuple[tuple[Row, ...], ...],
          merge: bool = False) -> None:
    """One ingest per batch; with ``merge`` (and several batches) the last one is merged on the first
    column, with the first row loaded again under another country (an update)."""
    for i, batch in enumerate(batches):
        merging = merge and i == len(batches) - 1 and i > 0
        rows = (*batch, (*batches[0][0][:-1], "DK")) if merging else batch
        path = src / f"{table}-{i}.csv"
        path.write_text("\n".join([",".join(columns), *(",".join(map(str, r)) for r in rows)]) + "\n")
        done = lake.ingest(table, str(path), mode="merge", keys=[columns[0]]) if merging else lake.ingest(table,
                                                                                                        str(path))
        assert done.version == i


def _rows(lake: Lake, table: str, columns: tuple[str, ...], version: int | None = None) -> list[Row]:
    """The rows of one version, sorted (duplicates kept)."""
    t = lake.read(table, version=version, columns=list(columns))
    return sorted(zip(*(t.column(c).to_pylist() for c in columns), strict=True))


def _versions(lake: Lake, table: str) -> dict[int, list[Row]]:
    columns = PEOPLE_COLUMNS if table == "crm.people" else ORDER_COLUMNS
    return {v: _rows(lake, table, columns, v) for v in range(lake.resolve_version(table) + 1)}


@settings(max_examples=15, suppress_health_check=[HealthCheck.too_slow])
@given(populations())
def test_find_and_erase_one_person_of_a_random_population(population: Population) -> None:
    accounts = population.accounts()
    theirs: dict[str, Callable[[Row], bool]] = {
        "crm.people": lambda r: r[0] in accounts,
        "crm.orders": lambda r: r[1] in accounts,
    }
    batches = {"crm.people": population.people, "crm.orders": population.orders}
    with tempfile.TemporaryDirectory() as folder:
        lake = Lake(Path(folder) / "lake", schemas=SCHEMAS)
        _load(lake, Path(folder), "crm.people", PEOPLE_COLUMNS, population.people, population.merge)
        _load(lake, Path(folder), "crm.orders", ORDER_COLUMNS, population.orders)
        predicate = f"user_id = {population.deleted}"
        if population.deleted is not None:
            DeltaTable(lake._storage.uri("crm.orders")).delete(predicate)
        before = {t: _versions(lake, t) for t in batches}
        # the versions holding the subject: from the first ingest with one of their rows on (a delete
        # after the loads may have removed the last of them)
        holding = {t: {v for v in before[t] if any(theirs[t](r) for r in before[t][v])} for t in batches}
        for t, loaded in batches.items():
            first = next((i for i, batch in enumerate(loaded) if any(theirs[t](r) for r in batch)), len(loaded))
            assert holding[t] - set(range(len(loaded), max(before[t]) + 1)) == set(range(first, len(loaded)))

        report = lake.gdpr.find(email=population.email)
        hits = {h.table: h for h in report.tables}
        assert report.identifiers == {"email": 1, "user_id": len(accounts)}
        assert set(hits) == {t for t in batches if holding[t]}
        for t, hit in hits.items():
            latest = before[t][max(before[t])]
            assert hit.rows == sum(1 for r in latest if theirs[t](r))
            assert set(hit.versions) == holding[t]

        erased = lake.gdpr.erase(email=population.email, reason="ticket 1")
        assert erased.verified and erased.residue == () and not erased.resumed
        assert lake.gdpr.verify(email=population.email).verified
        for user_id in sorted(accounts):
            assert not lake.gdpr.find(user_id=user_id).found
        for t in batches:
            latest = before[t][max(before[t])]
            survivors = [r for r in latest if not theirs[t](r)]
            columns = PEOPLE_COLUMNS if t == "crm.people" else ORDER_COLUMNS
            assert _rows(lake, t, columns) == survivors
            for version, rows in before[t].items():
                assert _rows(lake, t, columns, version) == [r for r in rows if not theirs[t](r)]
        predicates = [e.get("operationParameters", {}).get("predicate") for e in lake._storage.history("crm.orders")]
        if max(before["crm.orders"]) == len(population.orders):  # the delete removed rows: a commit of its own
            assert (predicate in predicates) is (population.deleted not in accounts)
