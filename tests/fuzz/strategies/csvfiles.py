"""CSV and TSV files drawn from a model (header, cells, quoting, delimiter, newlines, encoding), so
the harness knows what a load must hold or why it must be refused."""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import strategies as st

from tests.fuzz.cases import MARKER, Case, Expected, Step
from tests.fuzz.strategies.common import COLUMN_KINDS, NULLS, cell_values, header_problem, hostile_names, plain_names

# ---------------------------------------------------------------------------------------------
# CSV


@dataclass
class CsvModel:
    header: list[str]
    rows: list[list[str]]
    quoted: list[list[bool]]
    delimiter: str = ","
    newline: str = "\n"
    encoding: str = "utf-8"
    trailing_newline: bool = True
    ragged: bool = False
    kinds: list[str] = field(default_factory=list)

    def render(self) -> bytes:
        def cell(text: str, quote: bool) -> str:
            must = any(ch in text for ch in (self.delimiter, '"', "\n", "\r")) or text != text.strip(" ")
            return '"' + text.replace('"', '""') + '"' if quote or must else text

        lines = [self.delimiter.join(cell(h, any(ch in h for ch in (self.delimiter, '"', "\n", "\r")))
                                     for h in self.header)]
        lines += [self.delimiter.join(cell(c, q) for c, q in zip(r, qs, strict=True))
                  for r, qs in zip(self.rows, self.quoted, strict=True)]
        text = self.newline.join(lines) + (self.newline if self.trailing_newline else "")
        return text.encode(self.encoding, errors="replace" if self.encoding != "utf-8" else "strict")

    def quotes_newline(self) -> bool:
        return any("\n" in c or "\r" in c for r in self.rows for c in r) or any("\n" in h or "\r" in h
                                                                               for h in self.header)

    def expected(self) -> Expected:
        nonnull = {h: 0 for h in self.header}
        strings: dict[str, list[str]] = {h: [] for h in self.header}
        numbers: dict[str, list[int]] = {h: [] for h in self.header}
        for r, qs in zip(self.rows, self.quoted, strict=True):
            for h, c, q in zip(self.header, r, qs, strict=True):
                must = any(ch in c for ch in (self.delimiter, '"', "\n", "\r")) or c != c.strip(" ")
                if q or must or c not in NULLS:
                    nonnull[h] += 1
                if MARKER in c:  # as written: a character the encoding lacks became "?"
                    strings[h].append(c.encode(self.encoding, "replace").decode(self.encoding))
        for h, kind in zip(self.header, self.kinds, strict=False):
            if kind == "int":
                numbers[h] = [int(c) for r in self.rows for c in [r[self.header.index(h)]] if c not in NULLS]
        return Expected(rows=len(self.rows), columns=list(self.header), nonnull=nonnull,
                        strings={k: v for k, v in strings.items() if v},
                        numbers={k: v for k, v in numbers.items() if v})


@st.composite
def csv_models(draw: st.DrawFn) -> CsvModel:
    ncols = draw(st.integers(0, 5))
    header = [draw(hostile_names()) if draw(st.integers(0, 2)) == 0 else f"c{i}_{draw(plain_names)}"
              for i in range(ncols)]
    if ncols > 1 and draw(st.integers(0, 5)) == 0:
        header[draw(st.integers(1, ncols - 1))] = header[0]  # duplicate header
    kinds = [draw(st.sampled_from(COLUMN_KINDS)) for _ in header]
    nrows = draw(st.integers(0, 6))
    rows, quoted = [], []
    for _ in range(nrows):
        row = [draw(cell_values(k if k != "mixed" else draw(st.sampled_from(COLUMN_KINDS[:-1])))) for k in kinds]
        rows.append(row)
        quoted.append([draw(st.integers(0, 4)) == 0 for _ in row])
    if ncols == 1:  # an empty unquoted cell in a one-column file is a blank line, which CSV readers skip
        for r, q in zip(rows, quoted, strict=True):
            if r[0] == "":
                q[0] = True
    model = CsvModel(header, rows, quoted, kinds=kinds,
                     newline=draw(st.sampled_from(["\n", "\n", "\r\n"])),
                     encoding=draw(st.sampled_from(["utf-8"] * 6 + ["utf-8-sig", "utf-16", "latin-1"])),
                     trailing_newline=draw(st.booleans()))
    if rows and ncols and draw(st.integers(0, 6)) == 0:
        victim = draw(st.integers(0, len(rows) - 1))
        if draw(st.booleans()) and ncols > 1:
            rows[victim].pop()
            quoted[victim].pop()
        else:
            rows[victim].append("x")
            quoted[victim].append(False)
        model.ragged = True
    return model


def _expect_csv(model: CsvModel, data: bytes) -> tuple[str, str]:
    problem = header_problem(model.header)
    if problem:
        return "fail", problem
    if model.ragged:
        return "fail", "a row with a different number of fields"
    if model.encoding == "utf-16":
        return "fail", "UTF-16 text"
    if model.encoding == "latin-1" and data != data.decode("latin-1").encode("utf-8", "replace"):
        return "fail", "not UTF-8"
    if any(k == "mixed" for k in model.kinds) or any(k == "date" for k in model.kinds):
        return "any", "type inference may refuse"
    if any(kind == "int" and cell not in NULLS and not -(2**63) <= int(cell) < 2**63
           for row in model.rows for kind, cell in zip(model.kinds, row, strict=False)):
        return "any", "an integer beyond 64 bits: refused in a column of numbers, kept as text in a column of text"
    return "ok", "a well-formed CSV"


@st.composite
def csv_cases(draw: st.DrawFn) -> Case:
    model = draw(csv_models())
    data = model.render()
    ext = draw(st.sampled_from(["csv", "csv", "tsv"]))
    if ext == "tsv":
        model.delimiter = "\t"
        data = model.render()
    expect, why = _expect_csv(model, data)
    if draw(st.integers(0, 7)) == 0 and model.rows and expect == "ok":  # > 1 block, then a ragged row at the end
        body = data.split(model.newline.encode(), 1)[1] if model.newline.encode() in data else b""
        if body and body.endswith(model.newline.encode()):
            repeat = (1 << 20) // len(body) + 2
            data = data + body * repeat + model.delimiter.encode() * (len(model.header) + 2) + model.newline.encode()
            expect, why = "fail", "a malformed row after the first MiB"
    table = f"fz.{draw(plain_names)}"
    file = f"in.{ext}"
    return Case("csv", [Step(["ingest"], [table, file], expect=expect, why=why, writes=True, table=table,
                             expected=model.expected() if expect != "fail" and not model.ragged else None)],
                files={file: data})
