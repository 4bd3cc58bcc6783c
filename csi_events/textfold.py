"""Comparing names without regard to accents or case, the same way in Python, SQLite and PostgreSQL.

`fold("Académie Niños")` is "academie ninos". In SQL, `folded(column)` gives the same text: PostgreSQL as
lower(translate(column, accented letters, plain letters)); SQLite (whose lower() leaves non-ASCII letters as
they are) through the function `csi_fold`, registered on every SQLite connection, which calls `fold`. Both
sides use the one table below, so a search term folded in Python matches a column folded in SQL.
"""

from __future__ import annotations

import unicodedata

from sqlalchemy import String, event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import GenericFunction

# Letters without a decomposition into a plain letter and an accent.
_EXTRA = {"Ø": "O", "ø": "o", "Đ": "D", "đ": "d", "Ł": "L", "ł": "l", "Ħ": "H", "ħ": "h", "ı": "i"}


def _accent_table() -> tuple[str, str]:
    """(accented letters, their plain letters) for the Latin letters with accents (Latin-1 to Latin Extended
    Additional), as two strings of equal length."""
    source, target = [], []
    for code in list(range(0xC0, 0x250)) + list(range(0x1E00, 0x1F00)):
        char = chr(code)
        base = _EXTRA.get(char) or "".join(c for c in unicodedata.normalize("NFKD", char) if c.isascii())
        if len(base) == 1 and base.isalpha() and base != char:
            source.append(char)
            target.append(base)
    return "".join(source), "".join(target)


ACCENTED, PLAIN = _accent_table()
_TABLE = str.maketrans(ACCENTED, PLAIN)


def fold(value: str | None) -> str:
    """Lower case without accents: what `folded()` gives in SQL for the same text."""
    return (value or "").translate(_TABLE).lower()


class folded(GenericFunction):  # noqa: N801 - SQL function names are lower case
    """SQL: the column's text folded like `fold`."""

    type = String()
    inherit_cache = True
    name = "csi_fold"


@compiles(folded, "postgresql")
def _folded_postgresql(element, compiler, **kw):
    (argument,) = element.clauses.clauses
    return f"lower(translate({compiler.process(argument, **kw)}, '{ACCENTED}', '{PLAIN}'))"


@event.listens_for(Engine, "connect")
def _register_sqlite_fold(dbapi_connection, connection_record):
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        dbapi_connection.create_function("csi_fold", 1, fold, deterministic=True)
