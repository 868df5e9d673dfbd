"""The example's three models, small enough to read: each is a lakekit run.

    python -m examples.models anti-spam --lake demo-lake
    python -m examples.models id-merge --lake demo-lake
    python -m examples.models job-seeker --lake demo-lake

Started by ``lakekit run NAME -- python -m examples.models NAME`` (or ``lake.run_command``),
a model attaches to the run the command made, so its reads, metrics, model file and the
tables it writes are recorded against exact table versions, and ``lake.rerun(...,
include_runs=True)`` can run it again after an upstream fix.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import polars as pl

import lakekit as lk


def _frame(table: object) -> pl.DataFrame:
    frame = pl.from_arrow(table)  # type: ignore[arg-type]
    assert isinstance(frame, pl.DataFrame)
    return frame


def best_threshold(values: pl.Series, labels: pl.Series) -> tuple[float, float]:
    """The cut ``value > t`` that best separates ``labels`` (True above), and its accuracy."""
    best = (0.0, 0.0)
    for t in sorted(set(values.drop_nulls().to_list())):
        accuracy = float(((values > t) == labels).mean() or 0.0)
        if accuracy > best[1]:
            best = (float(t), accuracy)
    return best


def _save_model(run: lk.runs.Run, name: str, model: dict[str, object]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{name}.json"
        path.write_text(json.dumps(model, sort_keys=True))
        run.log_artifact(path)


def anti_spam(lake: lk.Lake) -> None:
    """Learn spam = 'signed up from a blacklisted IP' or 'sends many messages per session';
    apply it to every user and write the users it keeps as ``clean.users``."""
    with lake.start_run("anti-spam", params={"features": ["ip_listed", "messages_per_session"]}) as run:
        users = _frame(run.read("raw.users", columns=["user_id", "email", "full_name", "birth_year", "country",
                                                       "city", "signup_ip", "signup_ts"]))
        listed = set(_frame(run.read("raw.spam_ips", columns=["ip"]))["ip"].to_list())
        activity = _frame(run.read("features.activity", columns=["user_id", "sessions", "messages_sent"]))
        rate = pl.col("messages_sent") / pl.max_horizontal(pl.col("sessions"), pl.lit(1))
        train = _frame(run.read("features.spam_training")).filter(~pl.col("ip_listed")).with_columns(rate=rate)
        cut, accuracy = best_threshold(train["rate"].fill_null(0.0), train["label"] == "spam")
        rows = users.join(activity, on="user_id", how="left").with_columns(
            ip_listed=pl.col("signup_ip").is_in(list(listed)), rate=rate)
        spam = rows["ip_listed"] | (rows["rate"].fill_null(0.0) > cut)
        run.log_metrics({"train_accuracy": round(accuracy, 4), "flagged": int(spam.sum()), "kept": int((~spam).sum())})
        _save_model(run, "anti-spam", {"rate_threshold": cut, "ip_listed": True})
        run.write("clean.users", rows.filter(~spam).drop("ip_listed", "rate", "sessions", "messages_sent").to_arrow(),
                  mode="overwrite")


def id_merge(lake: lk.Lake) -> None:
    """Merge accounts of one person: the same e-mail up to case and dots in the local part.
    Writes ``clean.persons``: one row per person, the earliest account's data, its account count."""
    with lake.start_run("id-merge", params={"rule": "email local part without dots, lower-case"}) as run:
        users = _frame(run.read("clean.users"))
        local, domain = pl.col("email").str.split_exact("@", 1).struct.field("field_0"), \
            pl.col("email").str.split_exact("@", 1).struct.field("field_1")
        keyed = users.with_columns(person=pl.concat_str([local.str.replace_all(".", "", literal=True), domain],
                                                        separator="@").str.to_lowercase())
        persons = (keyed.sort("user_id").group_by("person", maintain_order=True)
                   .agg(pl.col("user_id").first().alias("person_id"), pl.len().cast(pl.Int64).alias("accounts"),
                        pl.col("birth_year").first(), pl.col("country").first())
                   .drop("person"))
        run.log_metrics({"accounts": users.height, "persons": persons.height})
        run.write("clean.persons", persons.to_arrow(), mode="overwrite")


ACTIVITY = lk.FeatureView(
    "activity", table="features.activity_7d", entity="user_id", timestamp="event_at", ttl="7d",
    description="Sessions, profile views and applied jobs over the 7 days up to a user's active day.")
"""The job-seeker model's features, point in time (registered in the lake by the demo)."""


def job_seeker(lake: lk.Lake) -> None:
    """Learn 'looking for a job' from applied jobs in the week before each label was given (a
    point-in-time training set: no activity from after the label); predict the labelled persons."""
    with lake.start_run("job-seeker", params={"feature": "applied_jobs_7d", "model": "threshold"}) as run:
        run.read("features.persons", columns=["person_id", "region"])  # the slices' regions, at this version
        train = _frame(run.features.historical("labels.job_seeker", ["activity:applied_jobs_7d"], "labelled_at"))
        applied = train["applied_jobs_7d"].fill_null(0)
        cut, accuracy = best_threshold(applied, train["is_seeker"])
        run.log_metrics({"accuracy": round(accuracy, 4), "train_rows": train.height,
                         "with_features": int(train["applied_jobs_7d"].is_not_null().sum())})
        _save_model(run, "job-seeker", {"applied_jobs_7d_threshold": cut})
        predicted = train.select(pl.col("user_id").alias("person_id"), "is_seeker", (applied > cut).alias("pred"))
        run.log_predictions(predicted.to_arrow(), keys=["person_id"])


MODELS = {"anti-spam": anti_spam, "id-merge": id_merge, "job-seeker": job_seeker}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Run one of the example's models as a lakekit run.")
    parser.add_argument("model", choices=sorted(MODELS))
    parser.add_argument("--lake", default="demo-lake")
    args = parser.parse_args(argv)
    MODELS[args.model](lk.Project.load(Path(__file__).parent / "lakekit.toml").open(args.lake))


if __name__ == "__main__":
    main()
