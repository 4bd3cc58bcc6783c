"""The figures that live in the database, read when Prometheus scrapes (one small query each): the outbox's
backlog, the age of its oldest unsent message and its failed messages, and the report rollup's backlog."""

from __future__ import annotations

import logging
from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from ..db import utcnow
from ..extensions import db
from ..outbox import MAX_ATTEMPTS, OutboxMessage
from ..reports.rollup_models import ReportDirtyPerson

log = logging.getLogger(__name__)


class DatabaseGauges(Collector):
    """Read at each scrape, inside the request's app context; a database that does not answer gives
    csi_events_metrics_database_up 0 and no other database figure, never a failed scrape."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        up = GaugeMetricFamily("csi_events_metrics_database_up", "1 when the database answered this scrape.")
        try:
            figures = list(_figures())
        except Exception as err:  # unreachable, locked, mid-migration: the scrape still answers
            db.session.rollback()
            log.warning("metrics: database figures unavailable: %s", type(err).__name__)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from figures


def _figures() -> Iterator[GaugeMetricFamily]:
    unsent = OutboxMessage.sent_at.is_(None)
    retried = OutboxMessage.attempts < MAX_ATTEMPTS
    backlog, oldest, failing, given_up = db.session.execute(
        select(
            func.count().filter(retried),
            func.min(OutboxMessage.created_at),
            func.count().filter(OutboxMessage.last_error.is_not(None), retried),
            func.count().filter(OutboxMessage.attempts >= MAX_ATTEMPTS),
        ).where(unsent)
    ).one()
    yield _gauge("csi_events_outbox_backlog", "Outbox messages not sent yet that a sender will still try.", backlog)
    age = 0.0
    if oldest is not None:
        # min() over the column comes back as the stored value: naive UTC on SQLite, aware on PostgreSQL.
        oldest_utc = oldest if oldest.tzinfo else oldest.replace(tzinfo=utcnow().tzinfo)
        age = max(0.0, (utcnow() - oldest_utc).total_seconds())
    yield _gauge(
        "csi_events_outbox_oldest_unsent_age_seconds", "Age of the oldest unsent outbox message (0: none).", age
    )
    yield _gauge(
        "csi_events_outbox_failing",
        "Unsent outbox messages whose last attempt failed and that will be tried again.",
        failing,
    )
    yield _gauge(
        "csi_events_outbox_given_up",
        f"Unsent outbox messages that failed {MAX_ATTEMPTS} times: no sender tries them again.",
        given_up,
    )
    notes = db.session.scalar(select(func.count()).select_from(ReportDirtyPerson))
    yield _gauge(
        "csi_events_report_rollup_backlog",
        "People noted as changed whose report rollup is not recomputed yet (report_dirty_people).",
        notes or 0,
    )
    db.session.rollback()  # end the read: the scrape holds no transaction open


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, documentation)
    family.add_metric([], float(value))
    return family
