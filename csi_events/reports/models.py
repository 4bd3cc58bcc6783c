"""The data version of the report figures: a few counter rows, one of them bumped in the same transaction as every change to the
rows the figures are read from (reports/cache.py), so that a cached figure is never served stale."""

from __future__ import annotations

from sqlalchemy import BigInteger, String, event
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model


class ReportDataVersion(Model):
    __tablename__ = "report_data_version"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    # A new token whenever the row is made anew (a fresh or wiped database), so that (token, version)
    # never repeats even when the counter starts again at 1.
    token: Mapped[str] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(BigInteger)


@event.listens_for(ReportDataVersion.__table__, "after_create")
def _first_row(table, connection, **kw) -> None:
    import secrets

    from .cache import SHARDS

    connection.execute(table.insert(), [{"id": i, "token": secrets.token_hex(16), "version": 1} for i in range(SHARDS)])
