"""How a subject's identifiers are found and redacted inside text (:mod:`lakekit.gdpr.needles`), over
random texts: the rule for short integer ids (never alone, only as a value of a column of their
kind), the vectorised search agreeing with the one value by value, and the quick test that spares
walking a JSON value never missing a mention."""

from __future__ import annotations

import json
from typing import Any

import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from lakekit.gdpr.needles import MIN_TEXT_DIGITS, Needles

COLUMN = "customer_id"
SHORT = st.integers(min_value=0, max_value=10 ** (MIN_TEXT_DIGITS - 1) - 1)
SEPARATORS = st.sampled_from(["=", " = ", ": ", ":", "#", " ", "_", "-", "  "])
WORDS = st.text(alphabet="abcdefghij ,;()'\n", max_size=12)


def _needles(*ids: int) -> Needles:
    return Needles.of({"customer": list(ids), "email": ["Al@x.org"]}, {"customer": [COLUMN]}, "h")


def _agree(needles: Needles, text: str) -> bool:
    """The vectorised search finds what the value-by-value one does, and both redactions leave nothing."""
    found = needles.mask(pa.array([text])).to_pylist()[0]
    assert found == needles.holds(text), text
    if found:
        assert not needles.holds(needles.redact(text)), text
        assert not needles.holds(needles.redact_array(pa.array([text])).to_pylist()[0]), text
    return found


@given(SHORT, SEPARATORS, WORDS, WORDS, st.booleans())
def test_a_short_id_after_its_columns_name_is_a_mention(number: int, separator: str, before: str, after: str,
                                                        upper: bool) -> None:
    name = COLUMN.upper() if upper else COLUMN
    text = f"{before} {name}{separator}{number}{after}"  # the words hold no digit
    assert _agree(_needles(number), text)
    assert str(number) not in _needles(number).redact(text)


@given(SHORT, WORDS, WORDS)
def test_a_short_id_alone_or_inside_a_longer_number_is_not(number: int, before: str, after: str) -> None:
    needles = _needles(number)
    for text in (f"{before} {number} {after}", f"{before} ordered {number} items", f"{COLUMN} {number}0",
                 f"{COLUMN} {number}.5", f"x{COLUMN} {number}", f"{COLUMN}s{number}"):
        assert not _agree(needles, text), text


@given(st.integers(min_value=10 ** (MIN_TEXT_DIGITS - 1), max_value=10**12), WORDS)
def test_a_long_id_is_found_anywhere_but_inside_a_longer_number(number: int, words: str) -> None:
    needles = _needles(number)
    assert _agree(needles, f"{words}ticket {number}.")
    assert not _agree(needles, f"{words}ticket 1{number}")


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-5, max_value=99_999) | st.text(max_size=12)
    | st.sampled_from(["Al@x.org", "AL@X.ORG", "customer_id = 7", "Customer_Id: 7", "order 4207781", "ordered 7"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from([COLUMN, "n", "sql"]), inner,
                                                                max_size=3),
    max_leaves=8)


@given(JSON, st.sampled_from([(7,), (4207781,), (7, 4207781), ()]))
def test_the_quick_test_never_misses_what_redact_json_replaces(value: Any, ids: tuple[int, ...]) -> None:
    needles = _needles(*ids)
    if not needles.may_mention(json.dumps(value, ensure_ascii=False)):
        assert needles.redact_json(value) == value


@given(st.lists(JSON, max_size=4), st.sampled_from([(7,), (4207781,), (7, 4207781), ()]), st.booleans(), st.booleans())
def test_the_documents_a_scan_keeps_hold_every_one_that_mentions_the_subject(values: list[Any], ids: tuple[int, ...],
                                                                            nested: bool, escaped: bool) -> None:
    """What lakekit's own tables are narrowed to before they are judged value by value misses no mention,
    SQL text, JSON documents and JSON held as a string in JSON included."""
    needles = _needles(*ids)
    texts = [json.dumps(json.dumps(v) if nested else v, ensure_ascii=escaped) for v in values] + [
        f"DELETE FROM t WHERE {COLUMN} = {n}" for n in ids]
    documents = pa.array(texts, pa.string())
    wanted = needles.candidates(documents)
    assert wanted is not None
    kept = set(documents.filter(wanted).to_pylist())
    assert set(documents.filter(needles.documents_mask(documents)).to_pylist()) <= kept


def test_identifiers_json_writes_escaped_leave_the_documents_whole() -> None:
    text = pa.array(["x"], pa.string())
    assert Needles.of({"name": ['Al "x" Ng']}, {}, "h").candidates(text) is None
    assert Needles.of({"email": ["jösé@x.org"]}, {}, "h").candidates(text) is None
    assert Needles.of({"customer": [7]}, {"customer": ["kund_nr_ö"]}, "h").candidates(text) is None


def test_a_short_id_makes_a_document_a_candidate_only_beside_its_columns_name() -> None:
    documents = pa.array(['{"size": 7}', '{"CUSTOMER_ID": 7}', "n = 7", "WHERE customer_id IN (1, 7)", "ticket 4207781",
                          'mail "al@X.org"', "naïve 7"], pa.string())
    kept = documents.filter(_needles(7, 4207781).candidates(documents)).to_pylist()
    assert kept == ['{"CUSTOMER_ID": 7}', "WHERE customer_id IN (1, 7)", "ticket 4207781", 'mail "al@X.org"',
                    "naïve 7"]
