"""Imports every model so that metadata (Alembic, create_all) sees all tables."""

from .attendance.models import Certificate
from .audit.models import AuditEvent
from .auth.models import ApiToken, User
from .checkin.models import CheckIn, ScanAnswer
from .directory.models import Lea, School
from .door.models import GroupMessage, GroupMessageRecipient, KioskLink
from .notifications.models import SentReminder
from .opportunities.models import LearningOpportunity, OpportunityTopic, Session
from .outbox import OutboxMessage
from .people.models import Person
from .registrations.models import Registration
from .reports.models import ReportDataVersion
from .reports.rollup_models import ReportDirtyPerson, ReportPersonRollup, ReportRollupFigure
from .support.models import SupportActivity
from .surveys.models import BankQuestion, Survey, SurveyAnswer, SurveyInvitation, SurveyQuestion, SurveyResponse

__all__ = [
    "ApiToken",
    "AuditEvent",
    "Certificate",
    "CheckIn",
    "GroupMessage",
    "GroupMessageRecipient",
    "KioskLink",
    "Lea",
    "LearningOpportunity",
    "OpportunityTopic",
    "OutboxMessage",
    "Person",
    "Registration",
    "ReportDataVersion",
    "ReportDirtyPerson",
    "ReportPersonRollup",
    "ReportRollupFigure",
    "ScanAnswer",
    "School",
    "SentReminder",
    "Session",
    "SupportActivity",
    "BankQuestion",
    "Survey",
    "SurveyAnswer",
    "SurveyInvitation",
    "SurveyQuestion",
    "SurveyResponse",
    "User",
]
