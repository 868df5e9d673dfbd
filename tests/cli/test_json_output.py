"""``--json`` on every command: one JSON document on stdout that the command's schema in
``lakekit/cli/schemas/`` accepts (objects, never JSON in a string; timestamps in ISO 8601, UTC),
and errors as one JSON document on stderr."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

import lakekit.cli
from tests.cli.every_command import INVOCATIONS, SERVERS, argv, build, commands
from tests.cli.test_cli import run

SCHEMAS = Path(lakekit.cli.__file__).parent / "schemas"
USER_ROWS = {"show", "sql", "quarantine", "features latest", "runs slices"}
"""Commands printing a table's rows: their values are the user's (a naive timestamp stays naive)."""
LOOKS_LIKE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}")
UTC_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|\+00:00)$")


def schema(command: str) -> dict[str, Any]:
    return json.loads((SCHEMAS / f"{command.replace(' ', '-')}.json").read_text())


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    folder = tmp_path_factory.mktemp("project")
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        yield build(folder)
    finally:
        os.chdir(cwd)


def test_every_command_has_an_invocation_and_a_schema() -> None:
    documented = [c for c in commands() if c not in SERVERS]
    assert sorted(INVOCATIONS) == documented
    assert sorted(p.stem for p in SCHEMAS.glob("*.json")) == sorted(c.replace(" ", "-") for c in documented)
    for command in documented:
        jsonschema.Draft202012Validator.check_schema(schema(command))


def _loose(node: Any, path: str = "") -> Iterator[str]:
    """Where a schema would let a changed output shape through: an object neither closed (every
    property required, no other) nor a map saying what its values are (or, taking any JSON, why),
    an array not saying what its items are."""
    if isinstance(node, dict):
        kinds = node.get("type") if isinstance(node.get("type"), list) else [node.get("type")]
        if "object" in kinds or "properties" in node:
            extra = node.get("additionalProperties")
            documented = extra is True and "description" in node
            if "properties" in node and not documented and (
                    extra is not False or set(node["properties"]) - set(node.get("required", []))):
                yield f"{path}: an object that is not closed"
            if "properties" not in node and (extra is None or (extra is True and "description" not in node)):
                yield f"{path}: a map without a value schema or a description"
        if "array" in kinds and "items" not in node:
            yield f"{path}: an array without items"
        for key, value in node.items():
            yield from _loose(value, f"{path}/{key}")
    elif isinstance(node, list):
        for n, value in enumerate(node):
            yield from _loose(value, f"{path}/{n}")


def test_every_schema_is_closed_where_lakekit_makes_the_shape() -> None:
    loose = [f"{command}{where}" for command in INVOCATIONS for where in _loose(schema(command))]
    assert loose == [], "\n".join(loose)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def test_every_command_prints_one_document_its_schema_accepts(project: dict[str, str]) -> None:
    failed = []
    for command in INVOCATIONS:  # in order: each finds what the ones before made
        code, out, err = run("--json", *argv(command, project))
        if code != 0:
            failed.append(f"{command}: exit {code}: {err.strip()}")
            continue
        document = json.loads(out)  # one document: two would not parse
        try:
            jsonschema.validate(document, schema(command))
        except jsonschema.ValidationError as e:
            failed.append(f"{command}: {e.message} at {list(e.absolute_path)}")
        if command not in USER_ROWS:
            failed += [f"{command}: '{s}' is not ISO 8601 UTC" for s in _strings(document)
                       if LOOKS_LIKE_TIME.match(s) and not UTC_ISO.match(s)]
            failed += [f"{command}: '{s}' is JSON in a string" for s in _strings(document) if _json_text(s)]
    assert failed == [], "\n".join(failed)


def _json_text(value: str) -> bool:
    """Whether ``value`` is the text of a JSON object or array."""
    try:
        return isinstance(json.loads(value), dict | list)
    except ValueError:
        return False


def test_a_run_started_on_the_command_line_shows_its_command_as_an_object(project: dict[str, str]) -> None:
    shown = json.loads(run("--json", "runs", "show", project["cmd"])[1])
    jsonschema.validate(shown, schema("runs show"))
    listed = {r["run_id"]: r for r in json.loads(run("--json", "runs", "list")[1])}
    jsonschema.validate(list(listed.values()), schema("runs list"))
    assert listed[project["cmd"]]["command"] == shown["command"] and shown["command"]["argv"][1:] == ["-c", "pass"]
    assert listed[project["run"]]["command"] is None


def test_the_schemas_refuse_json_in_a_string_and_a_local_time(project: dict[str, str]) -> None:
    listed = json.loads(run("--json", "runs", "list")[1])
    jsonschema.validate(listed, schema("runs list"))
    as_text = [{**listed[0], "params": json.dumps(listed[0]["params"])}]
    spaced = [{**listed[0], "started_at": listed[0]["started_at"].replace("T", " ")}]
    extra = [{**listed[0], "surprise": 1}]
    for wrong in (as_text, spaced, extra):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(wrong, schema("runs list"))
    shown = json.loads(run("--json", "runs", "show", project["run"])[1])
    jsonschema.validate(shown, schema("runs show"))
    for key, changed in (("inputs", {"raw.customers": "0"}), ("metrics", {"auc": [0.9]}),
                         ("environment", {**shown["environment"], "packages": {"duckdb": 2}})):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate({**shown, key: changed}, schema("runs show"))


def test_numbers_json_has_none_for_are_strings(project: dict[str, str]) -> None:
    def refuse(name: str) -> None:
        raise ValueError(f"{name} in a JSON document")

    code, out, _ = run("sql", "SELECT 'nan'::DOUBLE AS a, 'inf'::DOUBLE AS b, '-inf'::DOUBLE AS c, 1.5::DOUBLE AS d",
                       "--json")
    assert code == 0
    assert json.loads(out, parse_constant=refuse) == [{"a": "NaN", "b": "Infinity", "c": "-Infinity", "d": 1.5}]


@pytest.mark.parametrize(("args", "code", "kind", "message"), [
    (("show", "raw.nope"), 1, "TableNotFound", "unknown table 'raw.nope'"),
    (("runs", "show", "nope"), 1, "RunNotFound", "unknown run 'nope'"),
    (("show",), 2, "UsageError", "Missing argument"),
    (("show", "raw.customers", "--limit", "x"), 2, "UsageError", "Invalid value for '--limit'"),
    (("--bogus",), 2, "UsageError", "No such option: --bogus (try: lakekit --help)"),
])
def test_errors_are_one_json_document_on_stderr(project: dict[str, str], args: tuple[str, ...], code: int,
                                                kind: str, message: str) -> None:
    got, out, err = run(*args, "--json")
    assert got == code and out == "" and len(err.strip().splitlines()) == 1
    error = json.loads(err)["error"]
    assert set(error) == {"type", "message"} and message in error["message"]
    assert error["type"] == kind


def test_every_command_under_json_gives_a_usage_error_as_its_json_error() -> None:
    for command in commands():
        for args in (["--json", *command.split(), "--bogus"], [*command.split(), "--bogus", "--json"]):
            code, out, err = run(*args)
            assert code == 2 and out == "", (command, err)
            error = json.loads(err)["error"]
            assert error["type"] == "UsageError" and error["message"].startswith("No such option: --bogus")
            assert error["message"].endswith(f"(try: lakekit {command} --help)") and "\n" not in error["message"]


def test_optional_parts_have_their_place_in_the_schemas(project: dict[str, str]) -> None:
    """What the every-command run does not show: a read of every column through a filter, a feature
    view without a features list, a version an erasure rewrote (its commit no longer counts rows)."""
    shown = json.loads(run("--json", "runs", "show", project["other"])[1])
    jsonschema.validate(shown, schema("runs show"))
    assert [(r["columns"], r["filter"]) for r in shown["reads"]] == [(None, {"sql": "country <> 'IT'"})]
    views = json.loads(run("--json", "features", "list")[1])
    jsonschema.validate(views, schema("features list"))
    assert {v["name"]: v["features"] for v in views} == {"customer": ["country"], "everything": None}
    assert run("gdpr", "erase", "email=cy@example.com", "--reason", "request 2", "--yes")[0] == 0
    history = json.loads(run("--json", "history", "raw.customers")[1])
    jsonschema.validate(history, schema("history"))
    assert history[0]["provenance"]["operation"] == "erase" and history[0]["rows_added"] is None


@pytest.mark.parametrize("table", ["_lakekit.runs", "_lakekit.run_events", "_lakekit.loads", "_lakekit.transforms",
                                   "_lakekit.lineage"])
def test_show_gives_lakekit_tables_json_columns_as_objects(project: dict[str, str], table: str) -> None:
    code, out, err = run("--json", "show", table, "--limit", "1000")
    assert code == 0, err
    rows = json.loads(out)
    assert code == 0 and rows, table
    assert [s for s in _strings(rows) if _json_text(s)] == []
    if table == "_lakekit.runs":
        assert all(isinstance(r["params"], dict) and isinstance(r["metrics"], dict) for r in rows)
