"""The columns of the support-activity export, shared by the export (list_views) and the import (importer), so
that an exported file imports back unchanged: headers are words in the reader's language, values are labels,
and the importer knows these headers and labels in every language of the app."""

from __future__ import annotations

from functools import cache

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

# (the importer's field, or "" for a column only there for people to read; the header)
EXPORT_COLUMNS = (
    ("", _l("ID")),
    ("date", _l("Date")),
    ("lea", _l("LEA CD code")),
    ("", _l("LEA name")),
    ("", _l("Subregion")),
    ("schools", _l("School CDS codes")),
    ("", _l("School names")),
    ("kind", _l("Kind")),
    ("modality", _l("Modality")),
    ("duration_minutes", _l("Duration (minutes)")),
    ("hours", _l("Hours")),
    ("staff", _l("Staff e-mails")),
    ("contacts", _l("Contact e-mails")),
    ("", _l("Contact names")),
    ("topics", _l("Topics")),
    ("notes", _l("Notes")),
    ("", _l("Created by")),
    ("", _l("Created at")),
)


def export_header() -> list[str]:
    return [str(header) for _field, header in EXPORT_COLUMNS]


def in_every_language(texts: dict[str, object]) -> dict[str, str]:
    """{text: key} for each lazy text of `texts` ({key: lazy text}) in every language of the app."""
    found: dict[str, str] = {}
    for language in current_app.config.get("LANGUAGES") or ["en"]:
        with force_locale(language):
            for key, text in texts.items():
                found.setdefault(str(text), key)
    return found


@cache
def _export_headers(languages: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    texts = {f"{index}": header for index, (_field, header) in enumerate(EXPORT_COLUMNS)}
    return tuple((text, EXPORT_COLUMNS[int(index)][0]) for text, index in in_every_language(texts).items())


def export_headers() -> dict[str, str]:
    """{header of the export in any language: the importer's field, "" for a column to skip}."""
    return dict(_export_headers(tuple(current_app.config.get("LANGUAGES") or ["en"])))
