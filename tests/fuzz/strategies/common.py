"""What every strategy draws from: column and table name parts (plain or hostile), CSV cell
texts, and why a header must be refused."""

from __future__ import annotations

from hypothesis import strategies as st

from tests.fuzz.cases import MARKER

NULLS = ("", "NULL", "null")
CONTROL = "".join(chr(c) for c in range(32)) + "\x7f"


# ---------------------------------------------------------------------------------------------
# names (columns and tables)

plain_names = st.from_regex(r"\A[a-z][a-z0-9_]{0,7}\Z")
hostile_chars = st.sampled_from(
    [" ", "~", "*", "?", "@", ":", "#", ";", "%", "'", '"', "`", "\\", "[", "]", "(", ")", "{", "}", "$", "&",
     "!", "=", "+", ",", "-", "\t", "\n", "\r", "\x01", "\x1b", "\x7f", "\u202e", "\u200b", "\ufeff", "\u0301",
     "é", "ß", "İ", "ﬁ", "Ω", "日本", "😀", "\uff0e", "\uff0f", "..", "%2e", "%2f", "%00", "/"])


@st.composite
def hostile_names(draw: st.DrawFn) -> str:
    """A column or table-name part: usually plain, often with something hostile in it."""
    kind = draw(st.sampled_from(["plain", "plain", "hostile", "upper", "empty", "long", "digits", "reserved"]))
    if kind == "plain":
        return draw(plain_names)
    if kind == "upper":
        return draw(plain_names).upper() if draw(st.booleans()) else draw(plain_names).capitalize()
    if kind == "empty":
        return draw(st.sampled_from(["", " ", "  "]))
    if kind == "long":
        return draw(plain_names) * draw(st.sampled_from([40, 100, 300]))
    if kind == "digits":
        return draw(st.sampled_from(["1", "007", "1e5", "-1", "0x10", "true", "null", "NULL"]))
    if kind == "reserved":
        return draw(st.sampled_from(["_load_id", "_delta_log", "_lakekit", "__index_level_0__", "select", "from"]))
    base = draw(plain_names)
    at = draw(st.integers(0, len(base)))
    return base[:at] + draw(hostile_chars) + base[at:]


def header_problem(names: list[str]) -> str | None:
    """Why a header must be refused (issue 14: duplicate, empty or control-character names)."""
    if not names:
        return "no columns"
    if any(n.strip() == "" for n in names):
        return "an empty column name"
    if any(ch in CONTROL or ch in "\u202e\u200b\ufeff" for n in names for ch in n):
        return "a control character in a column name"
    if len({n for n in names}) != len(names):
        return "duplicate column names"
    if len({n.lower() for n in names}) != len(names):
        return "column names differing only in case (Delta and SQL fold case)"
    if "_load_id" in names:
        return "the reserved column _load_id"
    return None


# ---------------------------------------------------------------------------------------------
# cell values


@st.composite
def cell_values(draw: st.DrawFn, kind: str) -> str:
    """A CSV cell's text, of a column ``kind``."""
    if draw(st.integers(0, 9)) == 0:
        return draw(st.sampled_from(NULLS))
    if kind == "int":
        return str(draw(st.one_of(st.integers(-1000, 1000), st.integers(-(2**63), 2**63 - 1),
                                  st.sampled_from([2**63, -(2**63) - 1, 2**64, 10**20, 99999999999999999999, 10**40])))
                   )
    if kind == "float":
        return draw(st.sampled_from(["1.5", "-0.0", "1e300", "1e-300", "nan", "inf", "-inf", "1e400", "0.1",
                                     "3.141592653589793238462643383279"]))
    if kind == "bool":
        return draw(st.sampled_from(["true", "false", "True", "FALSE", "1", "0"]))
    if kind == "date":
        return draw(st.sampled_from(["2024-01-01", "1970-01-01", "0001-01-01", "9999-12-31", "2024-02-30",
                                     "2024-01-01T10:00:00", "2024-01-01 10:00:00+14:00", "2024-01-01T00:00:00Z",
                                     "1677-09-21T00:12:43", "2262-04-11T23:47:17", "10000-01-01"]))
    # text: the planted marker, with hostile characters around it
    extra = draw(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=8))
    return draw(st.sampled_from([f"{MARKER}{extra}", f"{extra}{MARKER}", f"{MARKER}@example.com",
                                 f'{MARKER} "q" , x', f"{MARKER}\n2nd line", f"  {MARKER}  "]))


COLUMN_KINDS = ["int", "float", "bool", "date", "text", "text", "mixed"]
