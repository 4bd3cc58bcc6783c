"""Tables of the school-year rollup (reports/rollup.py): the dashboard's whole-year figures kept up to date
person by person, so that the first view after a check-in reads a few hundred rows instead of aggregating
every attendance of the year.

- report_dirty_people: people whose figures may have changed. Database triggers (reports/watch.py)
  add a row in the same statement as every change that can move a figure: a check-in made, undone, moved or
  deleted; a person's LEA, school or merge; an opportunity's status, subregion, kind or modality; its topics;
  a session's start or opportunity. No code path has to remember it: ORM, Core, raw SQL and COPY alike.
- report_person_rollup: each person's share of the figures of one school year (a JSON payload).
- report_rollup_figures: the sums of those shares per (school year, split, key).
"""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Integer, String, event
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model, db


class ReportDirtyPerson(Model):
    __tablename__ = "report_dirty_people"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    # No foreign key: the person may be gone (erased) by the time the row is read.
    person_id: Mapped[int] = mapped_column(Integer)


class ReportPersonRollup(Model):
    __tablename__ = "report_person_rollup"

    person_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    school_year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    payload: Mapped[dict] = mapped_column(JSON)


class ReportRollupFigure(Model):
    __tablename__ = "report_rollup_figures"

    school_year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    split: Mapped[str] = mapped_column(String(20), primary_key=True)
    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    attendances: Mapped[int] = mapped_column(Integer, default=0)
    attendees: Mapped[int] = mapped_column(Integer, default=0)
    individuals: Mapped[int] = mapped_column(Integer, default=0)


@event.listens_for(db.metadata, "after_create")
def _create_triggers(_metadata, connection, **kw) -> None:
    """A database made from the models (tests, the bench) gets the triggers too; migrations make their own."""
    from .watch import create_triggers

    tables = {t.name for t in kw.get("tables") or ()}
    if not tables or {"checkins", "report_dirty_people"} <= tables:
        create_triggers(connection)
