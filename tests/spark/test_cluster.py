"""Smoke tests on a standalone Spark cluster (a master and a worker) and on a Spark Connect server,
each started on 127.0.0.1 with the scripts the pyspark wheel ships (``sbin/spark-daemon.sh``,
``sbin/start-connect-server.sh``) and stopped by their own pid files. The CLI runs a transform and a
query on each (``--engine spark --spark spark://…`` / ``sc://…``) in its own process."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from deltalake import write_deltalake

from lakekit import Lake
from lakekit.index.provenance import TransformProvenance

MASTER = "org.apache.spark.deploy.master.Master"
WORKER = "org.apache.spark.deploy.worker.Worker"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _listening(port: int, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), 1):
                return
        except OSError:
            assert time.monotonic() < deadline, f"nothing listens on 127.0.0.1:{port}"
            time.sleep(0.5)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory, spark: Any) -> Iterator[str]:
    import pyspark

    home = Path(pyspark.__file__).parent
    folder = tmp_path_factory.mktemp("cluster")
    env = {**os.environ, "SPARK_HOME": str(home), "SPARK_PID_DIR": str(folder), "SPARK_LOG_DIR": str(folder),
           "SPARK_LOCAL_IP": "127.0.0.1"}
    daemon = str(home / "sbin" / "spark-daemon.sh")
    port = _free_port()
    url = f"spark://127.0.0.1:{port}"
    subprocess.run(["bash", daemon, "start", MASTER, "1", "--host", "127.0.0.1", "--port", str(port),
                    "--webui-port", str(_free_port())], env=env, check=True, capture_output=True)
    try:
        _listening(port, 120)
        subprocess.run(["bash", daemon, "start", WORKER, "1", "--host", "127.0.0.1", "--webui-port",
                        str(_free_port()), "--cores", "1", "--memory", "2g", url], env=env, check=True,
                       capture_output=True)
        yield url
    finally:
        for name in (WORKER, MASTER):
            subprocess.run(["bash", daemon, "stop", name, "1"], env=env, capture_output=True)
    assert not list(folder.glob("*.pid"))


@pytest.fixture(scope="module")
def connect(tmp_path_factory: pytest.TempPathFactory, spark: Any) -> Iterator[str]:
    import pyspark

    home = Path(pyspark.__file__).parent
    folder = tmp_path_factory.mktemp("connect")
    env = {**os.environ, "SPARK_HOME": str(home), "SPARK_PID_DIR": str(folder), "SPARK_LOG_DIR": str(folder),
           "SPARK_LOCAL_IP": "127.0.0.1", "SPARK_IDENT_STRING": "lakekit-tests"}
    port = _free_port()
    settings = {"spark.connect.grpc.binding.address": "127.0.0.1", "spark.connect.grpc.binding.port": str(port),
                "spark.driver.host": "127.0.0.1", "spark.driver.bindAddress": "127.0.0.1",
                "spark.ui.enabled": "false", "spark.sql.shuffle.partitions": "2"}
    conf = [part for key, value in settings.items() for part in ("--conf", f"{key}={value}")]
    subprocess.run(["bash", str(home / "sbin" / "start-connect-server.sh"), "--master", "local[2]", *conf],
                   env=env, check=True, capture_output=True)
    try:
        _listening(port, 120)
        yield f"sc://127.0.0.1:{port}"
    finally:
        subprocess.run(["bash", str(home / "sbin" / "stop-connect-server.sh")], env=env, capture_output=True)
    assert not list(folder.glob("*.pid"))


def _cli(*args: str, cwd: Path) -> str:
    done = subprocess.run([sys.executable, "-m", "lakekit", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.mark.parametrize("where", ["cluster", "connect"])
def test_a_transform_and_a_query_on_a_cluster_and_through_spark_connect(where: str, tmp_path: Path,
                                                                        request: pytest.FixtureRequest) -> None:
    cluster = request.getfixturevalue(where)
    lake = Lake(tmp_path / "lake")
    write_deltalake(lake._storage.uri("raw.a"), pa.table({"k": ["x", "y", "x"], "v": pa.array([1, 2, 3], pa.int64())}))
    (tmp_path / "t.sql").write_text("SELECT k, SUM(v) AS total FROM raw.a GROUP BY k\n")
    spark = ("--engine", "spark", "--spark", cluster)
    out = _cli("--lake", "lake", "transform", "out.t", "t.sql", "--dialect", "duckdb", *spark, cwd=tmp_path)
    assert "out.t: version 0, 2 rows" in out
    assert sorted(lake.read("out.t").to_pylist(), key=lambda r: r["k"]) == [{"k": "x", "total": 4},
                                                                          {"k": "y", "total": 2}]
    made = lake.history("out.t")[0].provenance
    assert isinstance(made, TransformProvenance) and made.engine is not None and made.engine.startswith("spark")
    out = _cli("--lake", "lake", "--json", "sql", "SELECT SUM(total) AS n FROM out.t", *spark, cwd=tmp_path)
    assert [int(r["n"]) for r in json.loads(out)] == [6]  # DuckDB's type, a 128-bit sum: JSON text
