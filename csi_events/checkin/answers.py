"""What a scan answers: typed parts, and their JSON form (the API's answer, also kept under the scan's nonce so
that a replay returns it unchanged)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from ..extensions import db
from .models import CheckIn
from .status import ScanStatus


@dataclass(frozen=True)
class PersonShown:
    """Who the ticket belongs to, as the door sees it."""

    name: str
    lea: str | None
    school: str | None
    needs: str | None


@dataclass(frozen=True)
class Counts:
    """The session's check-ins (walk-ins among them) and its opportunity's confirmed registrations."""

    checked_in: int
    confirmed: int
    walk_ins: int

    def with_one_more(self, method: str) -> Counts:
        """The counts once a check-in made by `method` is added."""
        walk_ins = self.walk_ins + (1 if method == "walk_in" else 0)
        return Counts(checked_in=self.checked_in + 1, confirmed=self.confirmed, walk_ins=walk_ins)


@dataclass(frozen=True)
class CheckInShown:
    """The check-in made (ok) or found (already_checked_in): when, by whom, how."""

    id: int
    checked_in_at: datetime
    by: str | None
    method: str
    override: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "checked_in_at": self.checked_in_at.isoformat(),
            "by": self.by,
            "method": self.method,
            "override": self.override,
        }


@dataclass(frozen=True)
class Answer:
    status: ScanStatus
    checkin: CheckInShown | None
    person: PersonShown | None
    counts: Counts
    message: str | None = None  # wrong_session only: which opportunity the ticket is for

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "status": self.status.value,
            "checkin": self.checkin.to_json() if self.checkin is not None else None,
            "person": asdict(self.person) if self.person is not None else None,
            "counts": asdict(self.counts),
        }
        if self.message is not None:
            data["message"] = self.message
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Answer:
        checkin = data.get("checkin")
        person = data.get("person")
        return cls(
            status=ScanStatus(data["status"]),
            checkin=None
            if checkin is None
            else CheckInShown(
                id=checkin["id"],
                checked_in_at=datetime.fromisoformat(checkin["checked_in_at"]),
                by=checkin["by"],
                method=checkin["method"],
                override=bool(checkin["override"]),
            ),
            person=None if person is None else PersonShown(**person),
            counts=Counts(**data["counts"]),
            message=data.get("message"),
        )


@dataclass
class CheckInResult:
    """The answer of a scan, and whether it is the answer stored for its nonce, given again."""

    answer: Answer
    replayed: bool = False
    _loaded: CheckIn | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def status(self) -> ScanStatus:
        return self.answer.status

    @property
    def ok(self) -> bool:
        return self.answer.status is ScanStatus.OK

    @property
    def person(self) -> PersonShown | None:
        return self.answer.person

    @property
    def counts(self) -> Counts:
        return self.answer.counts

    @property
    def checkin_id(self) -> int | None:
        return self.answer.checkin.id if self.answer.checkin is not None else None

    @property
    def checkin(self) -> CheckIn | None:
        """The CheckIn made (ok) or found (already_checked_in), loaded (as stored now) on first use."""
        if self.checkin_id is not None and self._loaded is None:
            self._loaded = db.session.get(CheckIn, self.checkin_id, populate_existing=True)
        return self._loaded
