"""Deterministic synthetic raw data for the lakekit example cascade.

The story: known spam accounts and a vendor's IP blacklist train an anti-spam model; the
de-spammed users go through an ID-merge model (one person, several accounts); the clean
users train a "looking for a job" model. The blacklist wrongly lists a few campus NAT
addresses that many students signed up from, so the first cascade throws those students
away as spam. A corrected blacklist (``spam_ips_fixed.csv``) arrives months later.

Every file is written in a different format so ingest is exercised on each, and the
ground truth behind them (merge groups, campus addresses, planted bad rows, the noisy
label slice) goes to ``manifest.json``. Same ``seed`` and ``users``, same bytes.

    python -m examples.generate demo-data [--users 5000] [--seed 7]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import gzip
import io
import json
import math
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa
import pyarrow.parquet as pq

Kind = Literal["regular", "student", "spammer"]

USER_COLUMNS = (
    "user_id", "email", "full_name", "birth_year", "country", "city",
    "signup_ip", "signup_ts", "user_agent",
)
FIRST_NAMES = (
    "Anna", "Ben", "Chloe", "David", "Elena", "Felix", "Greta", "Hugo", "Ines", "Jonas", "Klara",
    "Luca", "Maria", "Noah", "Olga", "Pablo", "Quentin", "Rosa", "Sven", "Tara", "Umberto", "Vera",
    "Wojciech", "Xenia", "Yusuf", "Zoe", "Amir", "Bianca", "Carlos", "Dana", "Emil", "Fatima",
    "Giulia", "Henrik", "Ivan", "Julia", "Karim", "Lena", "Marco", "Nina",
)
LAST_NAMES = (
    "Smith", "Müller", "Rossi", "Garcia", "Dubois", "Kowalski", "Jansen", "Nilsson", "Silva",
    "Novak", "Schmidt", "Bianchi", "Martin", "Lopez", "Nowak", "De Vries", "Larsen", "Costa",
    "Fischer", "Romano", "Bernard", "Fernandez", "Wisniewski", "Bakker", "Johansson", "Pereira",
    "Weber", "Ricci", "Moreau", "Sanchez", "Lewandowski", "Visser", "Berg", "Santos", "Wagner",
    "Greco", "Laurent", "Torres", "Zielinski", "Mulder", "Lund", "Ferreira", "Becker", "Conti",
)
# country -> (cities, serving region); the region is the activity table's metadata column.
GEOGRAPHY: dict[str, tuple[tuple[str, ...], str]] = {
    "DE": (("Berlin", "Munich", "Hamburg"), "eu-central"),
    "PL": (("Warsaw", "Krakow"), "eu-central"),
    "FR": (("Paris", "Lyon"), "eu-west"),
    "NL": (("Amsterdam", "Utrecht"), "eu-west"),
    "GB": (("London", "Leeds"), "eu-west"),
    "ES": (("Madrid", "Valencia"), "eu-south"),
    "IT": (("Rome", "Milan"), "eu-south"),
    "PT": (("Lisbon", "Porto"), "eu-south"),
    "SE": (("Stockholm", "Uppsala"), "eu-north"),
    "FI": (("Helsinki", "Tampere"), "eu-north"),
    "US": (("Boston", "Chicago"), "us-east"),
}
MAIL_DOMAINS = ("example.com", "example.net", "example.org", "mail.example", "inbox.example")
USER_AGENTS: dict[str, tuple[str, ...]] = {
    "android": ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
                "Chrome/124.0 Mobile Safari/537.36",),
    "ios": ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",),
    "web": ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/124.0 Safari/537.36",
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) "
            "Version/17.4 Safari/605.1.15"),
    "api": ("python-requests/2.31.0", "curl/8.5.0"),
}
REFERRERS = ("search", "friend_invite", "campus_fair", "job_board", "ad")
SPAM_SOURCES = ("moderator", "user_report", "honeypot")
HAM_SOURCES = ("moderator", "support_ticket")
LABELLERS = ("crowd-a", "inhouse")
NOISY_REGION, NOISY_LABELLER, NOISY_FLIP_RATE, FLIP_RATE = "eu-north", "crowd-b", 0.30, 0.04

SIGNUP_START = dt.datetime(2024, 1, 8)
SIGNUP_DAYS = 236  # to the end of August 2024
ACTIVITY_START = dt.date(2024, 9, 2)
ACTIVITY_DAYS = 28
LABELS_FROM = dt.datetime.combine(ACTIVITY_START, dt.time()) + dt.timedelta(days=7)
LABEL_DAYS = 20  # labels from the second activity week to the last activity day
BLACKLIST_FIXED_AT = "2025-02-03"


@dataclass(frozen=True)
class Campus:
    name: str
    country: str
    city: str
    domain: str
    ips: tuple[str, ...]


CAMPUSES = (
    Campus("Northbridge University", "DE", "Berlin", "uni-northbridge.example.edu",
           ("198.51.100.17", "198.51.100.18")),
    Campus("Lakeside Institute of Technology", "NL", "Utrecht", "lit.example.edu", ("198.51.100.42",)),
    Campus("Università del Colle", "IT", "Milan", "unicolle.example.edu", ("198.51.100.77",)),
    Campus("Porto School of Arts", "PT", "Porto", "psa.example.edu", ("198.51.100.130",)),
)


@dataclass(eq=False)  # hashed by identity: two people may look alike
class Person:
    kind: Kind
    first: str
    last: str
    birth_year: int | None
    country: str
    city: str
    email: str
    home_ip: str
    device: str
    seeker: bool
    campus: Campus | None


@dataclass
class Account:
    person: Person
    email: str
    full_name: str
    birth_year: int | None
    signup_ip: str
    signup_ts: dt.datetime
    user_agent: str
    referrer: str | None
    user_id: int = 0


def _poisson(rng: random.Random, lam: float) -> int:
    """Knuth's method; fine for the small rates used here."""
    limit, k, p = math.exp(-lam), 0, rng.random()
    while p > limit:
        k, p = k + 1, p * rng.random()
    return k


def _random_ip(rng: random.Random) -> str:
    """An address in 100.64.0.0/10 (shared address space, never a real subscriber)."""
    return f"100.{rng.randint(64, 127)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"


def _normalised(email: str) -> str:
    local, _, domain = email.lower().partition("@")
    return f"{local.replace('.', '')}@{domain}"


def _ascii(name: str) -> str:
    return name.lower().replace(" ", "").replace("ü", "ue").replace("à", "a")


class _World:
    """Draws people and their accounts; keeps names and e-mails unique per person."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.identities: set[tuple[str, int | None]] = set()
        self.emails: set[str] = set()
        spammer_net = rng.sample(range(2, 250), 30)
        self.spammer_ips = [f"203.0.113.{n}" for n in sorted(spammer_net)]

    def _unique_email(self, local: str, domain: str) -> str:
        email, n = f"{local}@{domain}", 1
        while _normalised(email) in self.emails:
            n += 1
            email = f"{local}{n}@{domain}"
        self.emails.add(_normalised(email))
        return email

    def person(self, kind: Kind) -> Person:
        rng = self.rng
        campus = rng.choice(CAMPUSES) if kind == "student" else None
        while True:
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            if kind == "student":
                birth_year: int | None = rng.randint(1998, 2006)
            else:
                birth_year = None if rng.random() < 0.03 else rng.randint(1955, 2004)
            if (f"{first} {last}", birth_year) not in self.identities:
                self.identities.add((f"{first} {last}", birth_year))
                break
        if campus is not None:
            country, city = campus.country, campus.city
        else:
            country = rng.choice(sorted(GEOGRAPHY))
            city = rng.choice(GEOGRAPHY[country][0])
        f, la = _ascii(first), _ascii(last)
        if kind == "spammer":
            local = "".join(rng.choice("abcdefghijkmnpqrstuvwxyz23456789") for _ in range(9))
            domain = rng.choice(MAIL_DOMAINS)
        else:
            local = rng.choice((f"{f}.{la}", f"{f}{la}{rng.randint(1, 99)}", f"{f[0]}.{la}"))
            domain = rng.choice(MAIL_DOMAINS)
            if campus is not None and rng.random() < 0.6:
                domain = campus.domain
        device = "api" if kind == "spammer" else rng.choices(("android", "ios", "web"), (4, 3, 3))[0]
        age = 2024 - (birth_year or 1989)
        z = -1.3 + 1.8 * (kind == "student") + 0.8 * (22 <= age <= 34) - 0.03 * max(0, age - 40)
        seeker = kind != "spammer" and rng.random() < 1 / (1 + math.exp(-(z + rng.gauss(0, 0.3))))
        return Person(kind, first, last, birth_year, country, city, self._unique_email(local, domain),
                      _random_ip(rng), device, seeker, campus)

    def signup_ip(self, person: Person) -> str:
        rng = self.rng
        if person.kind == "spammer":
            return rng.choice(self.spammer_ips) if rng.random() < 0.85 else _random_ip(rng)
        if person.campus is not None and rng.random() < 0.9:
            return rng.choice(person.campus.ips)
        return person.home_ip if rng.random() < 0.8 else _random_ip(rng)

    def account(self, person: Person, signup_ts: dt.datetime, variant: str | None) -> Account:
        """The person's first account (``variant`` None) or a later one written differently."""
        rng = self.rng
        email, name, birth_year = person.email, f"{person.first} {person.last}", person.birth_year
        local, _, domain = email.partition("@")
        if variant == "case":  # found by e-mail only: the name is abbreviated, the year left out
            email = f"{local.title()}@{domain.upper()}"
            name, birth_year = f"{person.first[0]}. {person.last}", None
        elif variant == "dots":  # found by e-mail only
            first = _ascii(person.first)
            cut = len(first) if local.startswith(first) else 1
            dotted = local.replace(".", "") if "." in local else f"{local[:cut]}.{local[cut:]}"
            email = f"{dotted}@{domain}"
            birth_year = None
        elif variant == "other_email":  # found by name and birth year only
            email = self._unique_email(f"{_ascii(person.last)}.{_ascii(person.first)}",
                                       rng.choice(MAIL_DOMAINS))
        user_agent = rng.choice(USER_AGENTS[person.device]) if rng.random() > 0.02 else ""
        referrer = None
        if rng.random() < 0.45:
            on_campus = person.campus is not None and rng.random() < 0.5
            referrer = "campus_fair" if on_campus else rng.choice(REFERRERS)
        ip = self.signup_ip(person)
        return Account(person, email, name, birth_year, ip, signup_ts, user_agent, referrer)


def _draw_accounts(world: _World, total: int) -> list[Account]:
    rng = world.rng
    accounts: list[Account] = []
    while len(accounts) < total:
        kind: Kind = rng.choices(("regular", "student", "spammer"), (79, 15, 6))[0]
        person = world.person(kind)
        first_ts = SIGNUP_START + dt.timedelta(seconds=rng.randrange(SIGNUP_DAYS * 86400))
        accounts.append(world.account(person, first_ts, None))
        extra = 0 if kind == "spammer" else rng.choices((0, 1, 2), (90, 7, 3))[0]
        for _ in range(min(extra, total - len(accounts))):
            later = first_ts + dt.timedelta(seconds=rng.randrange(120 * 86400))
            # without a birth year only the e-mail can link the accounts
            variants = ("case", "dots", "other_email", "other_email")[: 4 if person.birth_year else 2]
            variant = rng.choice(variants)
            accounts.append(world.account(person, later, variant))
    accounts.sort(key=lambda a: (a.signup_ts, a.email))
    for n, account in enumerate(accounts):
        account.user_id = 100_001 + n
    return accounts


def _iso(ts: dt.datetime) -> str:
    return ts.strftime("%Y-%m-%dT%H:%M:%S")


def _user_row(a: Account) -> list[Any]:
    return [a.user_id, a.email, a.full_name, a.birth_year, a.person.country, a.person.city,
            a.signup_ip, _iso(a.signup_ts), a.user_agent]


def _write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([["" if v is None else v for v in row] for row in rows])
    data = buffer.getvalue().encode()
    if path.suffix == ".gz":
        with path.open("wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz:
            gz.write(data)
    else:
        path.write_bytes(data)


def _bad_users(world: _World, accounts: list[Account]) -> tuple[list[list[Any]], list[dict[str, Any]]]:
    """New users, five of them planted bad rows that are each wrong in exactly one value."""
    next_id = accounts[-1].user_id + 1
    rows: list[list[Any]] = []
    for n in range(10):
        person = world.person("regular")
        account = world.account(person, dt.datetime(2024, 9, 1, 8) + dt.timedelta(hours=5 * n), None)
        account.user_id = next_id + n
        rows.append(_user_row(account))
    planted: list[tuple[int, str, int, Any]] = [  # (row, problem, column, bad value)
        (1, "invalid email", 1, rows[1][1].replace("@", ".at.")),
        (3, "negative birth_year", 3, -1987),
        (5, "absurd birth_year", 3, 2207),
        (7, "user_id of an existing user", 0, accounts[0].user_id),
        (9, "missing user_id", 0, None),
    ]
    bad_rows = []
    for row, problem, column, value in planted:
        rows[row][column] = value
        bad_rows.append({"row": row, "line": row + 2, "user_id": rows[row][0], "problem": problem})
    return rows, bad_rows


def _spam_reports(rng: random.Random, accounts: list[Account], campus_ips: set[str]) -> list[dict[str, Any]]:
    """Most spammers reported, and a sample of ham accounts checked by people — none on campus."""
    reports = []
    for a in accounts:
        if a.person.kind == "spammer" and rng.random() < 0.7:
            label, source = "spam", rng.choice(SPAM_SOURCES)
        elif a.person.kind != "spammer" and a.signup_ip not in campus_ips and rng.random() < 0.08:
            label, source = "ham", rng.choice(HAM_SOURCES)
        else:
            continue
        reported = a.signup_ts + dt.timedelta(hours=rng.randint(2, 60 * 24))
        reports.append(
            {"user_id": a.user_id, "label": label, "reported_at": _iso(reported), "source": source}
        )
    return sorted(reports, key=lambda r: (r["reported_at"], r["user_id"]))


def _blacklist(rng: random.Random, spammer_ips: list[str]) -> tuple[list[list[str]], list[list[str]]]:
    """The vendor's list as delivered (with the campus NAT addresses) and as corrected."""
    rows = []
    for ip in spammer_ips:
        listed = SIGNUP_START.date() + dt.timedelta(days=rng.randint(0, 200))
        rows.append([ip, listed.isoformat(), rng.choice(("spam_source", "botnet")), "acme-ip-lists"])
    for n in rng.sample(range(2, 250), 12):  # listed elsewhere, never seen at signup
        listed = SIGNUP_START.date() + dt.timedelta(days=rng.randint(0, 200))
        rows.append([f"192.0.2.{n}", listed.isoformat(), "open_proxy", "blockhub"])
    campus_rows = [[ip, "2024-06-17", "signup_burst", "acme-ip-lists"] for c in CAMPUSES for ip in c.ips]
    delivered = sorted(rows + campus_rows, key=lambda r: (r[1], r[0]))
    fixed = [r for r in delivered if r not in campus_rows]
    return delivered, fixed


def _activity(rng: random.Random, accounts: list[Account]) -> pa.Table:
    columns: dict[str, list[Any]] = {k: [] for k in (
        "user_id", "day", "sessions", "messages_sent", "profile_views", "applied_jobs", "device", "region")}
    seen: set[Person] = set()
    for a in accounts:
        p = a.person
        primary = p not in seen
        seen.add(p)
        n_days = rng.randint(1, 10) if primary else rng.randint(1, 2)
        for offset in sorted(rng.sample(range(ACTIVITY_DAYS), n_days)):
            if p.kind == "spammer":
                counts = (rng.randint(3, 20), rng.randint(30, 150), _poisson(rng, 0.5), 0)
            else:
                counts = (1 + _poisson(rng, 2.0), _poisson(rng, 3.0),
                          _poisson(rng, 6.0 if p.seeker else 2.0), _poisson(rng, 1.5 if p.seeker else 0.1))
            values = (a.user_id, ACTIVITY_START + dt.timedelta(days=offset), *counts,
                      p.device, GEOGRAPHY[p.country][1])
            for key, value in zip(columns, values, strict=True):
                columns[key].append(value)
    types = {"user_id": pa.int64(), "day": pa.date32(), "device": pa.string(), "region": pa.string()}
    return pa.table({k: pa.array(v, types.get(k, pa.int64())) for k, v in columns.items()})


def _job_labels(rng: random.Random, accounts: list[Account]) -> list[dict[str, Any]]:
    """Labels for about a third of the ham accounts; one region's labeller is sloppy."""
    labels = []
    for a in accounts:
        if a.person.kind == "spammer" or rng.random() >= 0.35:
            continue
        noisy = GEOGRAPHY[a.person.country][1] == NOISY_REGION
        labeller = NOISY_LABELLER if noisy else rng.choice(LABELLERS)
        flipped = rng.random() < (NOISY_FLIP_RATE if noisy else FLIP_RATE)
        # labelled during the activity weeks (after the first one): later activity must not leak in
        labelled = LABELS_FROM + dt.timedelta(minutes=rng.randrange(LABEL_DAYS * 24 * 60))
        labels.append({"user_id": a.user_id, "is_seeker": a.person.seeker != flipped,
                       "labelled_at": _iso(labelled), "labeller": labeller})
    return labels


def generate(out_dir: Path, *, users: int = 5000, seed: int = 7) -> dict[str, Path]:
    """Write the raw files for ``users`` accounts into ``out_dir``; return them by name.

    Names: users_part1, users_part2, users_part3 (gzip, adds ``referrer``), users_bad,
    spam_accounts, spam_ips, spam_ips_fixed, job_labels, activity, manifest.
    """
    if users < 100:
        raise ValueError(f"users must be at least 100, got {users}")
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    world = _World(rng)
    accounts = _draw_accounts(world, users)
    cut1, cut2 = int(users * 0.45), int(users * 0.9)
    campus_ips = {ip for c in CAMPUSES for ip in c.ips}
    paths = {name: out_dir / file for name, file in (
        ("users_part1", "users-part1.csv"), ("users_part2", "users-part2.csv"),
        ("users_part3", "users-part3.csv.gz"), ("users_bad", "users-bad.csv"),
        ("spam_accounts", "spam_accounts.ndjson"), ("spam_ips", "spam_ips.csv"),
        ("spam_ips_fixed", "spam_ips_fixed.csv"), ("job_labels", "job_labels.json"),
        ("activity", "activity.parquet"), ("manifest", "manifest.json"))}

    _write_csv(paths["users_part1"], USER_COLUMNS, map(_user_row, accounts[:cut1]))
    _write_csv(paths["users_part2"], USER_COLUMNS, map(_user_row, accounts[cut1:cut2]))
    _write_csv(paths["users_part3"], (*USER_COLUMNS, "referrer"),
               ([*_user_row(a), a.referrer] for a in accounts[cut2:]))
    bad_rows, planted = _bad_users(world, accounts)
    _write_csv(paths["users_bad"], USER_COLUMNS, bad_rows)

    reports = _spam_reports(rng, accounts, campus_ips)
    paths["spam_accounts"].write_text("".join(json.dumps(r) + "\n" for r in reports))
    spammer_ips = sorted({a.signup_ip for a in accounts if a.person.kind == "spammer"})
    delivered, fixed = _blacklist(rng, [ip for ip in spammer_ips if ip.startswith("203.0.113.")])
    blacklist_header = ("ip", "listed_at", "reason", "list_vendor")
    _write_csv(paths["spam_ips"], blacklist_header, delivered)
    _write_csv(paths["spam_ips_fixed"], blacklist_header, fixed)
    labels = _job_labels(rng, accounts)
    paths["job_labels"].write_text("[\n" + ",\n".join(json.dumps(r) for r in labels) + "\n]\n")
    activity = _activity(rng, accounts)
    pq.write_table(activity, paths["activity"], compression="zstd")

    groups: dict[Person, list[int]] = {}
    for a in accounts:
        groups.setdefault(a.person, []).append(a.user_id)
    on_campus = [a for a in accounts if a.signup_ip in campus_ips]
    labelled = {label["user_id"] for label in labels}
    manifest = {
        "seed": seed,
        "accounts": users,
        "people": len(groups),
        "rows": {"users_part1": cut1, "users_part2": cut2 - cut1, "users_part3": users - cut2,
                 "users_bad": len(bad_rows), "spam_accounts": len(reports), "spam_ips": len(delivered),
                 "spam_ips_fixed": len(fixed), "job_labels": len(labels), "activity": activity.num_rows},
        "spammers": sum(a.person.kind == "spammer" for a in accounts),
        "spammers_from_blacklisted_ips": sum(
            a.person.kind == "spammer" and a.signup_ip.startswith("203.0.113.") for a in accounts
        ),
        "students": sum(a.person.kind == "student" for a in accounts),
        "campus": [{"name": c.name, "city": c.city, "ips": list(c.ips),
                    "accounts": sum(a.signup_ip in c.ips for a in accounts)} for c in CAMPUSES],
        "campus_ips": sorted(campus_ips),
        "ham_accounts_on_blacklisted_campus_ips": len(on_campus),
        "job_labels_on_campus_ips": sum(a.user_id in labelled for a in on_campus),
        "blacklist_fixed_delivered_at": BLACKLIST_FIXED_AT,
        "merge_groups": sorted(ids for ids in groups.values() if len(ids) > 1),
        "bad_rows": planted,
        "noisy_label_slice": {"column": "region", "value": NOISY_REGION, "labeller": NOISY_LABELLER,
                              "flip_rate": NOISY_FLIP_RATE, "flip_rate_elsewhere": FLIP_RATE},
    }
    paths["manifest"].write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n")
    return paths


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m examples.generate", description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--users", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    paths = generate(args.out_dir, users=args.users, seed=args.seed)
    manifest = json.loads(paths["manifest"].read_text())
    for name, path in paths.items():
        print(f"{name:15} {path}  ({manifest['rows'].get(name, '-')} rows)")
    print(f"campus IPs wrongly blacklisted: {', '.join(manifest['campus_ips'])} "
          f"({manifest['ham_accounts_on_blacklisted_campus_ips']} legitimate accounts)")


if __name__ == "__main__":
    main()
