"""Every model module, imported once so SQLAlchemy metadata and Alembic see all tables."""

from supervision.accounts.models import LoginThrottle, User  # noqa: F401
from supervision.analytics.models import CubeCell, CubeDays  # noqa: F401
from supervision.audit.models import AuditEvent  # noqa: F401
from supervision.exports.models import Export, ExportInstitution  # noqa: F401
from supervision.filings.content_models import (  # noqa: F401
    ActivityRow,
    ChannelRow,
    ComplaintRow,
    CoverFigures,
    DerivedFigures,
    PartnerRow,
    ProductRow,
    SummaryRow,
    ValidationIssue,
)
from supervision.filings.models import DryRun, Filing, FilingVersion  # noqa: F401
from supervision.findings.models import CheckRun, Finding, FindingCitation, FindingEvent, Referral  # noqa: F401
from supervision.jobs.models import JobRun, ScheduledJobState, SchedulerProcess  # noqa: F401
from supervision.league.models import LeagueSnapshot, LeagueSnapshotRow, LeagueSnapshotVersion  # noqa: F401
from supervision.notifications.models import Notification  # noqa: F401
from supervision.orgs.models import Agency, Institution, InstitutionAlias, SharingAgreement  # noqa: F401
from supervision.parameters.models import Parameter  # noqa: F401
from supervision.periods.models import Period  # noqa: F401
from supervision.reference.models import ReferenceCode  # noqa: F401
from supervision.register.models import RegisterEntry, RegisterUpload  # noqa: F401
from supervision.topics.models import TopicCount, TopicRow, TopicTerm  # noqa: F401
from supervision.vulnerable.models import GroupCause, GroupFact  # noqa: F401
