"""Fill the staff form's session rows from its repeat rule (the dates come from repeat.py).

The first session row with a date is the model: each new date gets a row with its times, venue and meeting link,
which stay editable one by one. Rows already there are kept as they are (an existing session keeps its own venue
or link); a date of the rule that already has a row gets no second one; empty rows are dropped. Both the page's
"Fill sessions" button (no JavaScript) and the script's request (fill_sessions_json) call fill_sessions.
"""

from __future__ import annotations

import re
from datetime import date

from flask_babel import gettext as _
from flask_babel import ngettext

from ..localtime import day_in_range, out_of_range_message
from .forms import MAX_SESSION_ROWS, OpportunityForm
from .repeat import MAX_OCCURRENCES, RepeatError, occurrences

ROW_FIELDS = ("id", "day", "start_time", "end_time", "venue", "virtual_url", "remove")


def _message(err: RepeatError) -> str:
    messages = {
        "unknown": _("Choose how often the sessions repeat."),
        "missing": _("Give the number of sessions or the date to repeat until."),
        "both": _("Give either a number of sessions or a date to repeat until, not both."),
        "too_few": _("The number of sessions must be at least 1."),
        "too_many": _("A repeat rule can make at most %(n)d sessions.", n=MAX_OCCURRENCES),
        "before_start": _("The date to repeat until is before the first session."),
        "out_of_range": out_of_range_message(),
    }
    return messages[err.code]


def _count(form: OpportunityForm) -> int | None:
    text = form.repeat_count.data or ""
    if not text:
        return None
    if not re.fullmatch(r"-?\d{1,6}", text):
        raise RepeatError("count", "not_a_number")
    return int(text)


def _rows(form: OpportunityForm) -> list[dict]:
    """The rows worth keeping, as data: not empty, not a new row marked for removal."""
    kept = []
    for entry in form.sessions:
        sub = entry.form
        if sub.is_blank() or (sub.remove.data and not sub.id.data):
            continue
        kept.append({name: getattr(sub, name).data for name in ROW_FIELDS})
    return kept


def fill_sessions(form: OpportunityForm) -> dict[str, list[str]]:
    """Apply the form's repeat rule to its session rows. Returns the errors by form field ({} when filled)."""
    rows = _rows(form)
    model = next((row for row in rows if row["day"] is not None), None)
    if model is None:
        return {"sessions": [_("Fill in the first session's date and times, then fill the other sessions.")]}
    first: date = model["day"]
    try:
        days = occurrences(first, form.repeat_frequency.data or "", count=_count(form), until=form.repeat_until.data)
    except RepeatError as err:
        field = {"frequency": "repeat_frequency", "count": "repeat_count", "until": "repeat_until"}[err.field]
        if err.code == "not_a_number":
            return {field: [_("The number of sessions is a whole number, like 4.")]}
        return {field: [_message(err)]}
    if not all(day_in_range(day) for day in days):
        return {"repeat_count": [out_of_range_message()]}
    taken = {row["day"] for row in rows}
    added = [{**model, "id": "", "day": day, "remove": False} for day in days if day not in taken]
    if len(rows) + len(added) > MAX_SESSION_ROWS:
        return {"repeat_count": [_("An opportunity can have at most %(n)d sessions.", n=MAX_SESSION_ROWS)]}
    ordered = sorted(rows + added, key=lambda r: (r["day"] is None, r["day"] or first, r["start_time"] is None))
    while len(form.sessions):
        form.sessions.pop_entry()
    for row in ordered:
        form.sessions.append_entry(row)
    return {}


def attach(form: OpportunityForm, errors: dict[str, list[str]]) -> None:
    """Show each message under its input (messages about the session rows go under the repeat choice)."""
    for name, messages in errors.items():
        target = getattr(form, name if name.startswith("repeat_") else "repeat_frequency")
        target.errors = [*target.errors, *messages]


def filled_notice(form: OpportunityForm) -> str:
    count = sum(1 for entry in form.sessions if not entry.form.is_blank())
    return ngettext(
        "%(num)d session is filled in; each one can still be changed. Save to keep it.",
        "%(num)d sessions are filled in; each one can still be changed. Save to keep them.",
        count,
    )
