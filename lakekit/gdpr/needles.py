"""A subject's identifiers as they appear inside text, and how a mention is redacted. Pure: no I/O.

Free text (a column tagged ``pii="text"``, a derived column that embeds a value, an artifact, a SQL
statement, a commit's metadata) is searched for every identifier of the subject:

- a string identifier as a substring, ignoring case when it is an e-mail address (holds ``@``);
  strings shorter than :data:`MIN_TEXT_LENGTH` are looked for in identifier columns only;
- an integer identifier as a number, not part of a longer one (``4207781`` is not in ``14207781``),
  when it has at least :data:`MIN_TEXT_DIGITS` digits; a shorter one (``42`` is everywhere: counts,
  years, amounts) never alone, only where text says it is the value of a column holding its kind:
  compared with it (``customer_id = 42``, ``customer_id IN (7, 42)``), as SQL, filters and delete
  predicates do; given as its value in JSON (``"customer_id": 42``, statistics included); or
  written after its name in prose or a file name, the name not glued to a longer word, then
  ``=``, ``:`` or ``#`` (spaces around allowed) or spaces, ``_`` or ``-``, then the number not
  followed by a digit (``customer_id=42``, ``customer_id: 42``, ``customer_id 42.``,
  ``customer_id_42.csv``; not ``customer_id 420`` nor ``customer_id 42.5``).

A mention is replaced by :attr:`Needles.placeholder` (``[erased:<subject hash>]``); a number
compared in SQL by the same placeholder quoted, so the statement still parses; a number after a
column's name by the placeholder alone (``customer_id_[erased:<hash>].csv``).
"""

from __future__ import annotations

import base64
import functools
import json
import operator
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

MIN_TEXT_LENGTH = 4
MIN_TEXT_DIGITS = 5
_OPERATOR = r"\s*(?:==|=|!=|<>)\s*"


def placeholder(subject: str) -> str:
    """What replaces a mention of the subject: their salted hash, never a value."""
    return f"[erased:{subject}]"


def _varint(number: int) -> bytes:
    """Protobuf's encoding of an int64 (two's complement for a negative one)."""
    value, out = number & 0xFFFFFFFFFFFFFFFF, bytearray()
    while True:
        low, value = value & 0x7F, value >> 7
        out.append(low | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _number(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


@dataclass(frozen=True)
class Needles:
    """What to look for in text, from the subject's identifiers and the columns holding their kinds."""

    strings: tuple[str, ...]
    numbers: tuple[int, ...]
    columns: tuple[str, ...]
    """Names of columns holding the integer identifiers' kinds (``customer_id``): the rule for short numbers."""
    placeholder: str

    @staticmethod
    def of(identifiers: Mapping[str, Iterable[Any]], columns: Mapping[str, Iterable[str]], subject: str) -> Needles:
        """``identifiers``: kind → values; ``columns``: kind → names of columns holding it.

        >>> n = Needles.of({"email": ["Al@x.org"], "user_id": [42, 4207781]}, {"user_id": ["user_id"]}, "h")
        >>> n.redact("mail AL@X.ORG; WHERE user_id = 42 AND n = 42; ticket 4207781")
        "mail [erased:h]; WHERE user_id = '[erased:h]' AND n = 42; ticket [erased:h]"
        """
        strings, numbers, kinds = set(), set(), set()
        for kind, values in identifiers.items():
            for value in values:
                number = _number(value)
                if number is not None:
                    numbers.add(number)
                    kinds.add(kind)
                elif isinstance(value, str) and len(value) >= MIN_TEXT_LENGTH:
                    strings.add(value)
        names = {c for k in kinds for c in columns.get(k, ())}
        return Needles(tuple(sorted(strings)), tuple(sorted(numbers)), tuple(sorted(names)), placeholder(subject))

    def __bool__(self) -> bool:
        return bool(self.strings or self.numbers)

    @functools.cached_property
    def _strings(self) -> str | None:
        """One pattern for every string identifier (RE2 and Python ``re`` read it alike)."""
        parts = [f"(?i:{re.escape(s)})" if "@" in s else re.escape(s) for s in self.strings]
        return "|".join(parts) or None

    @functools.cached_property
    def _long_numbers(self) -> str | None:
        long = [str(n) for n in self.numbers if len(str(abs(n))) >= MIN_TEXT_DIGITS]
        return f"(^|[^0-9])(?:{'|'.join(long)})([^0-9]|$)" if long else None

    @functools.cached_property
    def _named(self) -> str | None:
        """Short integer identifiers written after a column name of their kind (see the module's
        docstring), as one pattern RE2 and Python ``re`` read alike (RE2 has no look-around): groups are
        the character before the name (or none), the name and separator, the character after the number."""
        short = self._short
        if not short or not self.columns:
            return None
        names = "|".join(map(re.escape, self.columns))
        return rf"(^|[^A-Za-z0-9])((?i:{names})(?:\s*[=:#]\s*|[\s_-]+))(?:{'|'.join(short)})([^0-9.]|\.[^0-9]|\.?$)"

    @functools.cached_property
    def _patterns(self) -> tuple[re.Pattern[str] | None, re.Pattern[str] | None, re.Pattern[str] | None,
                                 re.Pattern[str] | None]:
        """Compiled once: numbers compared with a column of their kind (``col = n``, ``n = col``,
        ``col IN (…, n, …)``, ``"col": n``), a number alone, every string, long numbers."""
        alone = rf"(?<![0-9.])(?:{'|'.join(str(n) for n in self.numbers)})(?![0-9.])"
        compared = None
        if self.numbers and self.columns:
            column = rf"""[`"\[]?\b(?:{"|".join(map(re.escape, self.columns))})\b[`"\]]?"""
            listed = rf"{column}\s+(?:not\s+)?in\s*\([^()]*\)"
            keyed = rf"""{column}[\\"]*\s*:\s*{alone}"""  # "customer_id": 42 in JSON, statistics too
            compared = re.compile(rf"{column}{_OPERATOR}{alone}|{alone}{_OPERATOR}{column}|{listed}|{keyed}",
                                  re.IGNORECASE)
        every, long = self._strings, self._long_numbers
        return (compared, re.compile(alone) if self.numbers else None, re.compile(every) if every else None,
                re.compile(long) if long else None)

    @functools.cached_property
    def _cues(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """What a text must contain to possibly mention the subject: each string (lower case) or number."""
        return tuple(s.lower() for s in self.strings), tuple(str(n) for n in self.numbers)

    @functools.cached_property
    def _short(self) -> tuple[str, ...]:
        """The integer identifiers too short to mean the subject but beside a column name of their kind."""
        return tuple(str(n) for n in self.numbers if len(str(abs(n))) < MIN_TEXT_DIGITS)

    @functools.cached_property
    def _verbatim(self) -> bool:
        """Whether every string identifier is written as it is inside JSON text (nothing to escape)."""
        return all(json.dumps(s, ensure_ascii=False)[1:-1] == s for s in self.strings)

    def may_mention(self, text: str) -> bool:
        """False when JSON text (as ``json.dumps(value, ensure_ascii=False)`` writes it) surely holds no
        mention for :meth:`redact_json` to replace: no identifier's characters, no Substrait filter. A
        quick test that spares walking the value (most commits of a log)."""
        return not self._verbatim or '"substrait"' in text or self._cued(text)

    def _cued(self, text: str) -> bool:
        """Whether ``text`` holds what a mention needs: a string identifier (ignoring case), a long
        integer one, or a short one and the name of a column of its kind (ASCII text, the name as JSON
        writes it; any short one in other text)."""
        strings, numbers = self._cues
        lowered = text.lower()
        if any(s in lowered for s in strings) or any(n in text for n in numbers if n not in self._short):
            return True
        if not any(n in text for n in self._short):
            return False
        named = text.isascii() and all(json.dumps(c)[1:-1] == c for c in self.columns)
        return not named or any(c.lower() in lowered for c in self.columns)

    def candidates(self, text: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray | None:
        """Which values of a string array may mention the subject by any rule, documents' included: they
        hold a string identifier (ignoring case), a long integer one, a short one next to the name of a
        column of its kind anywhere in the value, or a Substrait filter; a value that is not ASCII always
        may. What :meth:`documents_mask` needs to judge, vectorised. None when that cannot be told by
        substrings (an identifier or column name JSON writes escaped, or one that is not ASCII)."""
        words = (*self.strings, *self.columns)
        if not all(w.isascii() and json.dumps(w)[1:-1] == w for w in words):
            return None
        lowered = pc.ascii_lower(text)  # on ASCII text, what Python's lower() and RE2's (?i) do alike
        hit = pc.invert(pc.string_is_ascii(text))
        short = self._short
        for cue in (*self._cues[0], *(str(n) for n in self.numbers if str(n) not in short), "substrait"):
            hit = pc.or_(hit, pc.match_substring(lowered, cue))  # "substrait": also inside JSON held as a string
        if short and self.columns:
            named = functools.reduce(pc.or_, [pc.match_substring(lowered, c.lower()) for c in self.columns])
            digits = functools.reduce(pc.or_, [pc.match_substring(lowered, n) for n in short])
            hit = pc.or_(hit, pc.and_(named, digits))
        return pc.fill_null(hit, False)

    def holds(self, text: str) -> bool:
        """Whether ``text`` mentions the subject."""
        return self.redact(text) != text

    def redact(self, text: str) -> str:
        """``text`` with every mention of the subject replaced by the placeholder."""
        if not text or not self._cued(text):
            return text
        compared, number, every, long = self._patterns
        if compared is not None and number is not None:
            quoted = f"'{self.placeholder}'"
            text = compared.sub(lambda m: number.sub(quoted, m.group(0)), text)
        if (named := self._named) is not None:
            for _ in range(2):  # adjacent mentions share the character between them
                text = re.sub(named, rf"\g<1>\g<2>{self.placeholder}\g<3>", text)
        if every is not None:
            text = every.sub(self.placeholder, text)
        if long is not None:
            for _ in range(2):  # adjacent numbers share the character between them
                text = long.sub(rf"\g<1>{self.placeholder}\g<2>", text)
        return text

    def redact_json(self, value: Any, key: str | None = None) -> Any:
        """A JSON value with every string redacted (strings holding JSON as JSON), a number that is an
        integer identifier under a key naming a column of its kind (``{"user_id": 42}``) replaced by
        the placeholder, and literals in a recorded Substrait filter (``{"substrait": base64}``)
        overwritten in place (:meth:`redact_substrait`)."""
        if isinstance(value, dict):
            out = {k: self.redact_json(v, k) for k, v in value.items() if k != "substrait"}
            if isinstance(value.get("substrait"), str):
                out["substrait"] = self.redact_substrait(value["substrait"])
            return {k: out[k] for k in value if k in out}
        if isinstance(value, list):
            return [self.redact_json(v, key) for v in value]
        if isinstance(value, str):
            return self.redact_document(value)
        if key is not None and _number(value) in self.numbers and key.lower() in {c.lower() for c in self.columns}:
            return self.placeholder
        return value

    def redact_document(self, text: str) -> str:
        """``text`` redacted; when it holds a JSON object or list, as JSON (:meth:`redact_json`), so
        the result still parses and keys keep their order."""
        if text[:1] in "{[":
            try:
                value = json.loads(text)
            except json.JSONDecodeError:
                value = None
            if isinstance(value, dict | list):
                redacted = self.redact_json(value)
                return text if redacted == value else json.dumps(redacted)
        return self.redact(text)

    def redact_substrait(self, blob: str) -> str | None:
        """A base64 Substrait expression with the subject's strings and integers overwritten by values
        of the same encoded length (the protobuf stays valid): a string by the placeholder cut to its
        length, an integer (a varint) by zero. None when the result no longer parses."""
        raw = base64.b64decode(blob)
        data = raw
        for needle in self.strings:
            encoded = needle.encode()
            mask = self.placeholder.encode().ljust(len(encoded), b"]")[: len(encoded)]
            data = re.sub(re.escape(encoded), lambda _, m=mask: m, data, flags=re.IGNORECASE if "@" in needle else 0)
        for number in self.numbers:
            encoded = _varint(number)
            if len(encoded) >= 3:  # shorter byte patterns also occur as lengths and field tags
                data = data.replace(encoded, b"\x80" * (len(encoded) - 1) + b"\x00")
        if data == raw:
            return blob
        try:
            pc.Expression.from_substrait(data)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            return None
        return base64.b64encode(data).decode()

    def mask(self, text: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
        """Which values of a string array mention the subject (false for nulls), vectorised.
        Of the rules for short numbers, only the one of prose applies (a number after a column's name);
        comparisons are SQL's and predicates' (:meth:`redact`)."""
        hit = pc.and_(pc.is_valid(text), pa.scalar(False))
        if (strings := self._strings) is not None:
            hit = pc.or_(hit, pc.fill_null(pc.match_substring_regex(text, strings), False))
        for pattern in (self._long_numbers, self._named):
            if pattern is not None:
                hit = pc.or_(hit, pc.fill_null(pc.match_substring_regex(text, pattern), False))
        return hit

    def expression(self, field: pc.Expression) -> pc.Expression | None:
        """:meth:`mask` as a filter a scan evaluates (None: nothing to look for)."""
        patterns = [p for p in (self._strings, self._long_numbers, self._named) if p is not None]
        found = [pc.match_substring_regex(field, pattern) for pattern in patterns]
        return functools.reduce(operator.or_, found) if found else None

    def documents_mask(self, text: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
        """Which JSON or SQL documents mention the subject, every rule applied: vectorised where a
        value cannot hold a mention otherwise (no short identifier's digits, no Substrait filter),
        value by value (:meth:`redact_document`) for the others."""
        if not self:
            return pc.and_(pc.is_valid(text), pa.scalar(False))
        digits = "|".join(self._short)  # longer: in mask()
        maybe = pc.fill_null(pc.match_substring(text, '"substrait"'), False)
        if digits:
            maybe = pc.or_(maybe, pc.fill_null(pc.match_substring_regex(text, f"(^|[^0-9])(?:{digits})([^0-9]|$)"),
                                               False))
        values = text.to_pylist()
        where = set(pc.indices_nonzero(maybe if isinstance(maybe, pa.Array) else maybe.combine_chunks()).to_pylist())
        checked = pa.array([i in where and values[i] is not None and self.redact_document(values[i]) != values[i]
                            for i in range(len(values))], pa.bool_())
        return pc.or_(self.mask(text), checked)

    def redact_array(self, text: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
        """A string array with every mention replaced, vectorised (as :meth:`mask` finds them)."""
        if (strings := self._strings) is not None:
            text = pc.replace_substring_regex(text, strings, self.placeholder)
        if (long := self._long_numbers) is not None:
            for _ in range(2):
                text = pc.replace_substring_regex(text, long, rf"\1{self.placeholder}\2")
        if (named := self._named) is not None:
            for _ in range(2):
                text = pc.replace_substring_regex(text, named, rf"\1\2{self.placeholder}\3")
        return text
