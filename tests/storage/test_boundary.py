"""The storage boundary: delta-rs failures (a Rust panic included) as one-line lakekit errors, lake
roots delta-rs cannot address refused before anything is made, versions beyond the latest refused
before delta-rs walks to them."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest
from deltalake import write_deltalake

from lakekit import Lake, LakekitError, UsageError, VersionNotFound
from lakekit.storage.failures import engine


def test_a_rust_panic_in_delta_rs_becomes_a_lakekit_error(tmp_path: Path) -> None:
    with pytest.raises(LakekitError, match=r"cannot write 't.x': delta-rs failed \(Invalid object store url"), \
            engine("t.x", "write"):
        write_deltalake(str(tmp_path / "a[b]" / "t"), pa.table({"a": [1]}))  # panics: pyo3's PanicException


@pytest.mark.parametrize("folder", ["a[1]", "a]", "x^y", "p|q", "esc%20aped", "back\\slash", "new\nline",
                                    "what?", "c#"])
def test_lake_roots_delta_rs_cannot_address_are_refused(tmp_path: Path, folder: str) -> None:
    with pytest.raises(UsageError, match="holds a character delta-rs cannot use") as caught:
        Lake(tmp_path / folder / "lake")
    assert "\n" not in str(caught.value)
    assert list(tmp_path.iterdir()) == []


def test_versions_beyond_the_latest_are_refused_at_once(tmp_path: Path) -> None:
    lake = Lake(tmp_path / "lake")
    (tmp_path / "a.csv").write_text("id\n1\n")
    lake.ingest("t.a", str(tmp_path / "a.csv"))
    for version in (1, 10**10, 2**63, 10**40, -1):
        with pytest.raises(VersionNotFound, match="has no version"):
            lake.storage.open("t.a", version)
    assert lake.storage.open("t.a", 0).version() == 0
