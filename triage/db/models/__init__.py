"""Typed SQLAlchemy models, one module per concern. The schema itself is built only by the Alembic migrations.

This package lists every model so that `Base.metadata` (read by the migrations and the ORM) holds them all.
"""

from __future__ import annotations

from triage.db.models.alerts import Alert, OutboxMessage, PatientInterrupt, PatientSession, TriageDecision
from triage.db.models.api_clients import ApiClient
from triage.db.models.base import NAMING, Base
from triage.db.models.ehr import EhrDelivery
from triage.db.models.impact import ImpactRun, ImpactRunChange
from triage.db.models.intakes import INTAKE_STATUSES, Answer, Evaluation, Intake, Invitation, InvitationToken, PdfCache
from triage.db.models.jobs import BackgroundJob
from triage.db.models.letters import LetterRevision
from triage.db.models.records import AuditEvent, RateLimitHit, RulesetVersion
from triage.db.models.rule_signoffs import RuleSignoff
from triage.db.models.ruleset_review import RulesetReviewOpen
from triage.db.models.staff import AppSetting, ClinicianNote, DifferentialFeedback, RecoveryCode, StaffSession, User
from triage.db.models.worklist import IntakeStatusCount

__all__ = [
    "Alert",
    "ApiClient",
    "OutboxMessage",
    "PatientInterrupt",
    "PatientSession",
    "TriageDecision",
    "INTAKE_STATUSES",
    "NAMING",
    "Answer",
    "AppSetting",
    "AuditEvent",
    "BackgroundJob",
    "Base",
    "ClinicianNote",
    "DifferentialFeedback",
    "EhrDelivery",
    "Evaluation",
    "ImpactRun",
    "ImpactRunChange",
    "Intake",
    "IntakeStatusCount",
    "Invitation",
    "InvitationToken",
    "LetterRevision",
    "PdfCache",
    "RateLimitHit",
    "RecoveryCode",
    "RuleSignoff",
    "RulesetReviewOpen",
    "RulesetVersion",
    "StaffSession",
    "User",
]
