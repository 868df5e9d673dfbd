"""The example's synthetic raw data: deterministic, readable, valid where it should be, and telling
the story the demo relies on (spam from blacklisted IPs, campus IPs wrongly listed, mergeable
accounts, a noisy label slice)."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import json
from pathlib import Path
from typing import Any

import pandera.polars as pa
import polars as pl
import pyarrow as pyarrow
import pyarrow.csv as pa_csv
import pyarrow.json as pa_json
import pyarrow.parquet as pq
import pytest

from examples.generate import generate, main
from schemas import raw


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return generate(tmp_path_factory.mktemp("raw"))


@pytest.fixture(scope="module")
def manifest(data: dict[str, Path]) -> dict[str, Any]:
    return json.loads(data["manifest"].read_text())


def read_arrow(path: Path) -> pyarrow.Table:
    """Read a source file as lakekit.sources does: Arrow's readers, JSON arrays through the json module."""
    if path.name.endswith(".ndjson"):
        return pa_json.read_json(path)
    if path.suffix == ".json":
        return pyarrow.Table.from_pylist(json.loads(path.read_text()))
    if path.suffix == ".parquet":
        return pq.read_table(path)
    # decompresses .gz by extension
    return pa_csv.read_csv(path, convert_options=pa_csv.ConvertOptions(strings_can_be_null=True))


def frame(data: dict[str, Path], *names: str) -> pl.DataFrame:
    frames = [pl.from_arrow(read_arrow(data[name])) for name in names]
    return pl.concat(frames, how="diagonal_relaxed")


def failed_rows(model: type[pa.DataFrameModel], df: pl.DataFrame) -> dict[int, set[str]]:
    """Row index -> names of the checks it failed (an empty dict when the frame is valid)."""
    try:
        model.validate(df, lazy=True)
    except pa.errors.SchemaErrors as err:
        cases = err.failure_cases
        assert cases.filter(pl.col("index").is_null()).is_empty(), cases  # no column-level failures
        rows: dict[int, set[str]] = {}
        for index, check in cases.select("index", "check").iter_rows():
            rows.setdefault(index, set()).add(check)
        return rows
    return {}


def test_same_seed_same_bytes_other_seed_other_data(data: dict[str, Path], tmp_path: Path) -> None:
    again = generate(tmp_path / "again")
    assert again.keys() == data.keys()
    for name, path in data.items():
        assert again[name].read_bytes() == path.read_bytes(), name
    other = generate(tmp_path / "other", seed=8)
    assert other["users_part1"].read_bytes() != data["users_part1"].read_bytes()


def test_size_follows_users(tmp_path: Path) -> None:
    small = json.loads(generate(tmp_path, users=300)["manifest"].read_text())
    rows = small["rows"]
    assert rows["users_part1"] + rows["users_part2"] + rows["users_part3"] == small["accounts"] == 300
    with pytest.raises(ValueError, match="at least 100"):
        generate(tmp_path, users=10)


def test_every_file_reads_in_its_format(data: dict[str, Path], manifest: dict[str, Any]) -> None:
    rows = manifest["rows"]
    for name, count in rows.items():
        assert read_arrow(data[name]).num_rows == count, name
    assert data["users_part3"].read_bytes()[:2] == b"\x1f\x8b"
    polars_readers = {
        "users_part1": lambda p: pl.read_csv(p, try_parse_dates=True),
        "users_part3": lambda p: pl.read_csv(gzip.decompress(p.read_bytes()), try_parse_dates=True),
        "users_bad": pl.read_csv,
        "spam_accounts": pl.read_ndjson,
        "spam_ips_fixed": lambda p: pl.read_csv(p, try_parse_dates=True),
        "job_labels": pl.read_json,
        "activity": pl.read_parquet,
    }
    for name, reader in polars_readers.items():
        assert reader(data[name]).height == rows[name], name
    part1 = pl.read_csv(data["users_part1"], try_parse_dates=True)
    part3 = pl.read_csv(gzip.decompress(data["users_part3"].read_bytes()), try_parse_dates=True)
    assert part3.columns == [*part1.columns, "referrer"]
    assert part3["referrer"].null_count() > 0 and part3["referrer"].drop_nulls().len() > 0
    assert part1.schema["signup_ts"] == pl.Datetime("us")
    assert part1["user_id"].max() < part3["user_id"].min()  # later files hold later sign-ups


@pytest.mark.parametrize(
    ("model", "names"),
    [
        (raw.Users, ("users_part1", "users_part2", "users_part3")),
        (raw.SpamAccounts, ("spam_accounts",)),
        (raw.SpamIps, ("spam_ips",)),
        (raw.SpamIps, ("spam_ips_fixed",)),
        (raw.JobLabels, ("job_labels",)),
        (raw.Activity, ("activity",)),
    ],
)
def test_schemas_accept_the_good_files(
    data: dict[str, Path], model: type[pa.DataFrameModel], names: tuple[str, ...]
) -> None:
    df = frame(data, *names).with_columns(pl.lit("load-1").alias("_load_id"))
    assert failed_rows(model, df) == {}


def test_users_schema_rejects_exactly_the_planted_rows(
    data: dict[str, Path], manifest: dict[str, Any]
) -> None:
    planted = {row["row"]: row for row in manifest["bad_rows"]}
    taken = next(r for r, row in planted.items() if row["problem"] == "user_id of an existing user")
    bad = frame(data, "users_bad")
    # on its own the file cannot know that a user_id is already taken
    assert failed_rows(raw.Users, bad).keys() == planted.keys() - {taken}

    existing = frame(data, "users_part1", "users_part2")
    failed = failed_rows(raw.Users, pl.concat([existing, bad], how="diagonal_relaxed"))
    offset = existing.height
    assert {i - offset for i in failed if i >= offset} == planted.keys()
    (original,) = (i for i in failed if i < offset)  # uniqueness flags the first holder too
    assert existing["user_id"][original] == bad["user_id"][taken] == planted[taken]["user_id"]
    checks = {planted[i - offset]["problem"]: failed[i] for i in failed if i >= offset}
    assert checks["missing user_id"] == {"not_nullable"}
    assert checks["user_id of an existing user"] == {"field_uniqueness"}
    assert len(checks["invalid email"]) == 1 and next(iter(checks["invalid email"])).startswith("str_matches")
    with data["users_bad"].open(newline="") as f:
        lines = list(csv.reader(f))
    assert {len(line) for line in lines} == {len(lines[0])}  # well-formed: the badness is in values
    for row in planted.values():  # "line" counts the header as line 1
        assert lines[row["line"] - 1][0] == str(row["user_id"] or "")


def test_other_schemas_reject_bad_values() -> None:
    ips = pl.DataFrame({
        "ip": ["203.0.113.5", "203.0.113.5", "300.1.2.3"],
        "listed_at": [dt.date(2024, 1, 1)] * 3,
        "reason": ["botnet", "botnet", "gut_feeling"],
        "list_vendor": ["acme"] * 3,
    })
    failed = failed_rows(raw.SpamIps, ips)
    assert failed[0] == failed[1] == {"field_uniqueness"}
    assert len(failed[2]) == 2  # malformed address, unknown reason
    activity = pl.DataFrame({
        "user_id": [1, 1, 2], "day": [dt.date(2024, 9, 2)] * 3, "sessions": [1, 1, -1],
        "messages_sent": [0] * 3, "profile_views": [0] * 3, "applied_jobs": [0] * 3,
        "device": ["web"] * 3, "region": ["eu-west"] * 3,
    })
    failed = failed_rows(raw.Activity, activity)
    assert failed[0] == failed[1] == {"multiple_fields_uniqueness"}
    assert failed[2] == {"greater_than_or_equal_to(0)"}


def test_pii_tags_and_table_names() -> None:
    names = {m.Config.name for m in (raw.Users, raw.SpamAccounts, raw.SpamIps, raw.JobLabels, raw.Activity)}
    assert names == {"raw.users", "raw.spam_accounts", "raw.spam_ips", "raw.job_labels", "raw.activity"}
    users = raw.Users.to_schema().columns
    tags = {name: col.metadata["pii"] for name, col in users.items() if col.metadata}
    assert tags == {"user_id": "user_id", "email": "email", "full_name": "name", "signup_ip": "ip"}
    assert raw.SpamIps.to_schema().columns["ip"].metadata == {"pii": "ip"}
    for model in (raw.SpamAccounts, raw.JobLabels, raw.Activity):
        assert model.to_schema().columns["user_id"].metadata == {"pii": "user_id"}
    assert not raw.Users.to_schema().columns["referrer"].required


def test_campus_ips_are_wrongly_blacklisted_then_fixed(
    data: dict[str, Path], manifest: dict[str, Any]
) -> None:
    campus = set(manifest["campus_ips"])
    delivered, fixed = frame(data, "spam_ips"), frame(data, "spam_ips_fixed")
    assert campus <= set(delivered["ip"]) and campus.isdisjoint(fixed["ip"])
    assert delivered.filter(~pl.col("ip").is_in(list(campus))).equals(fixed)

    users = frame(data, "users_part1", "users_part2", "users_part3")
    per_ip = users.group_by("signup_ip").len()
    assert per_ip.filter(pl.col("signup_ip").is_in(list(campus)))["len"].min() >= 50
    assert per_ip.filter(~pl.col("signup_ip").is_in(list(campus)))["len"].max() < 50
    on_campus = users.filter(pl.col("signup_ip").is_in(list(campus)))
    assert on_campus.height == manifest["ham_accounts_on_blacklisted_campus_ips"]
    spam = frame(data, "spam_accounts").filter(pl.col("label") == "spam")
    assert on_campus.join(spam, on="user_id").is_empty()


def test_spam_comes_from_blacklisted_ips_and_sends_many_messages(data: dict[str, Path]) -> None:
    users = frame(data, "users_part1", "users_part2", "users_part3")
    labels = frame(data, "spam_accounts").join(users, on="user_id")
    fixed = set(frame(data, "spam_ips_fixed")["ip"])
    listed = labels.group_by("label").agg(pl.col("signup_ip").is_in(list(fixed)).mean().alias("share"))
    share = dict(listed.iter_rows())
    assert share["spam"] > 0.7 and share["ham"] == 0
    messages = frame(data, "activity").group_by("user_id").agg(pl.col("messages_sent").mean())
    by_label = dict(labels.join(messages, on="user_id").group_by("label").agg(
        pl.col("messages_sent").mean()).iter_rows())
    assert by_label["spam"] > 10 * by_label["ham"]


def test_merge_groups_are_findable_by_email_or_name_and_year(
    data: dict[str, Path], manifest: dict[str, Any]
) -> None:
    parts = pl.col("email").str.to_lowercase().str.split("@")
    users = frame(data, "users_part1", "users_part2", "users_part3").with_columns(
        email_key=parts.list.first().str.replace_all(".", "", literal=True) + "@" + parts.list.last()
    )
    group_of = {uid: n for n, ids in enumerate(manifest["merge_groups"]) for uid in ids}
    assert len(manifest["merge_groups"]) > 100
    keyed = users.with_columns(group=pl.col("user_id").replace_strict(group_of, default=None))
    # an e-mail key or a name + birth year never spans two people
    for key in (["email_key"], ["full_name", "birth_year"]):
        spans = keyed.drop_nulls(key).group_by(key).agg(
            pl.col("group").n_unique().alias("groups"), pl.col("group").null_count().alias("singles"),
            pl.len())
        shared = spans.filter(pl.col("len") > 1)
        assert shared.filter((pl.col("groups") > 1) | (pl.col("singles") > 0)).is_empty()
    rows = {r["user_id"]: r for r in keyed.iter_rows(named=True)}
    by_email = by_name = 0
    for ids in manifest["merge_groups"]:
        first = rows[ids[0]]
        for other in (rows[i] for i in ids[1:]):
            same_email = other["email_key"] == first["email_key"]
            same_name = first["birth_year"] is not None and (other["full_name"], other["birth_year"]) == (
                first["full_name"], first["birth_year"])
            assert same_email or same_name
            by_email += same_email and not same_name
            by_name += same_name and not same_email
    assert by_email > 20 and by_name > 20  # both merge rules have work of their own


def test_job_labels_follow_features_and_one_region_is_noisy(
    data: dict[str, Path], manifest: dict[str, Any]
) -> None:
    features = frame(data, "activity").group_by("user_id").agg(
        pl.col("applied_jobs").sum(), pl.col("profile_views").sum(), pl.col("region").first())
    labelled = frame(data, "job_labels").join(features, on="user_id")
    means = dict(labelled.group_by("is_seeker").agg(pl.col("applied_jobs").mean()).iter_rows())
    assert means[True] > 3 * means[False]
    errors = labelled.with_columns(wrong=(pl.col("applied_jobs") > 2) != pl.col("is_seeker")).group_by(
        "region").agg(pl.col("wrong").mean()).sort("wrong", descending=True)
    noisy = manifest["noisy_label_slice"]
    assert errors["region"][0] == noisy["value"]
    assert errors["wrong"][0] > 2 * errors["wrong"][1]
    assert manifest["job_labels_on_campus_ips"] > 100  # the blacklist fix changes the training set


def test_command_line_writes_the_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main([str(tmp_path), "--users", "200", "--seed", "3"])
    assert (tmp_path / "users-part3.csv.gz").exists() and (tmp_path / "manifest.json").exists()
    assert "198.51.100.17" in capsys.readouterr().out
