"""How the audit log reads on the admin page: actions, results and object types named in the
reader's language (the stored action code stays in the database and in the filter's value)."""

from __future__ import annotations

from flask_babel import lazy_pgettext

from supervision.main.readable import ENUM_BY_OBJECT, items

ACTION_LABELS = {
    "login": lazy_pgettext("audit action", "Log in"), "logout": lazy_pgettext("audit action", "Log out"),
    "password_change": lazy_pgettext("audit action", "Password changed"),
    "password_reset": lazy_pgettext("audit action", "Password reset"),
    "user_create": lazy_pgettext("audit action", "User created"),
    "user_name": lazy_pgettext("audit action", "Display name changed"),
    "user_activate": lazy_pgettext("audit action", "User activated or deactivated"),
    "agency_create": lazy_pgettext("audit action", "Agency created"),
    "agency_update": lazy_pgettext("audit action", "Agency changed"),
    "institution_create": lazy_pgettext("audit action", "Institution created"),
    "institution_update": lazy_pgettext("audit action", "Institution changed"),
    "institution_alias_add": lazy_pgettext("audit action", "Institution alias added"),
    "sharing_upsert": lazy_pgettext("audit action", "Sharing agreement saved"),
    "sharing_delete": lazy_pgettext("audit action", "Sharing agreement ended"),
    "period_add": lazy_pgettext("audit action", "Period added"),
    "period_lock": lazy_pgettext("audit action", "Period locked"),
    "period_unlock": lazy_pgettext("audit action", "Period unlocked"),
    "filing_upload": lazy_pgettext("audit action", "Filing uploaded"),
    "filing_upload_duplicate": lazy_pgettext("audit action", "Same file uploaded again"),
    "filing_validated": lazy_pgettext("audit action", "Filing validated"),
    "filing_rejected": lazy_pgettext("audit action", "Filing refused"),
    "filing_failed": lazy_pgettext("audit action", "Filing processing failed"),
    "filing_status": lazy_pgettext("audit action", "Filing state changed"),
    "filing_rerun": lazy_pgettext("audit action", "Filing processing restarted"),
    "register_import": lazy_pgettext("audit action", "Register imported"),
    "register_export": lazy_pgettext("audit action", "Register exported"),
    "checks_requested": lazy_pgettext("audit action", "Checks requested"),
    "checks_failed": lazy_pgettext("audit action", "Checks failed"),
    "finding_created": lazy_pgettext("audit action", "Finding raised"),
    "finding_updated": lazy_pgettext("audit action", "Finding updated"),
    "finding_reopened": lazy_pgettext("audit action", "Finding holds again"),
    "finding_auto_closed": lazy_pgettext("audit action", "Finding closed automatically"),
    "finding_status": lazy_pgettext("audit action", "Finding decision"),
    "finding_opened_to_institution": lazy_pgettext("audit action", "Finding opened to the institution"),
    "finding_answered": lazy_pgettext("audit action", "Finding answered by the institution"),
    "finding_referred": lazy_pgettext("audit action", "Finding referred"),
    "finding_referral_accepted": lazy_pgettext("audit action", "Referral accepted (history)"),
    "finding_referral_answered": lazy_pgettext("audit action", "Referral answered (history)"),
    "finding_referral_declined": lazy_pgettext("audit action", "Referral declined (history)"),
    "referral_sent": lazy_pgettext("audit action", "Referral sent"),
    "referral_accepted": lazy_pgettext("audit action", "Referral accepted"),
    "referral_answered": lazy_pgettext("audit action", "Referral answered"),
    "referral_declined": lazy_pgettext("audit action", "Referral declined"),
    "league_publish": lazy_pgettext("audit action", "League table published"),
    "league_export": lazy_pgettext("audit action", "League table downloaded"),
    "summary": lazy_pgettext("audit action", "Summary workbook generated"),
    "feedback": lazy_pgettext("audit action", "Feedback sheet generated"),
    "export_created": lazy_pgettext("audit action", "Export generated"),
    "export_download": lazy_pgettext("audit action", "Export downloaded"),
    "download": lazy_pgettext("audit action", "File downloaded"),
    "access_denied": lazy_pgettext("audit action", "Access refused"),
    "job_run": lazy_pgettext("audit action", "Scheduled job ran"),
    "job_run_requested": lazy_pgettext("audit action", "Job run requested"),
    "job_paused": lazy_pgettext("audit action", "Job paused"),
    "job_resumed": lazy_pgettext("audit action", "Job resumed"),
    "db_upgrade": lazy_pgettext("audit action", "Database upgraded"),
    "db_downgrade": lazy_pgettext("audit action", "Database downgraded"),
    "analytics_download": lazy_pgettext("audit action", "Analytics data downloaded"),
    "api_token_created": lazy_pgettext("audit action", "API token created"),
    "api_token_revoked": lazy_pgettext("audit action", "API token revoked"),
    "filing_reinstated": lazy_pgettext("audit action", "Earlier filing version reinstated"),
    "institution_active_quarters": lazy_pgettext("audit action", "Institution's active quarters changed"),
    "parameter_set": lazy_pgettext("audit action", "Parameter changed"),
    "parameter_reset": lazy_pgettext("audit action", "Parameter reset to its default"),
    "user_deactivate": lazy_pgettext("audit action", "User deactivated"),
}
RESULT_LABELS = {"ok": lazy_pgettext("audit result", "done"), "denied": lazy_pgettext("audit result", "denied"),
                 "error": lazy_pgettext("audit result", "error"),
                 "failed": lazy_pgettext("audit result", "did not succeed"),
                 "rejected": lazy_pgettext("audit result", "refused")}
OBJECT_LABELS = {
    "user": lazy_pgettext("audit object", "user"), "agency": lazy_pgettext("audit object", "agency"),
    "institution": lazy_pgettext("audit object", "institution"),
    "sharing_agreement": lazy_pgettext("audit object", "sharing agreement"),
    "period": lazy_pgettext("audit object", "period"),
    "filing_version": lazy_pgettext("audit object", "filing version"),
    "finding": lazy_pgettext("audit object", "finding"), "referral": lazy_pgettext("audit object", "referral"),
    "register": lazy_pgettext("audit object", "register"),
    "register_upload": lazy_pgettext("audit object", "register import"),
    "league_snapshot": lazy_pgettext("audit object", "league snapshot"),
    "league_series": lazy_pgettext("audit object", "league metrics over quarters"),
    "export": lazy_pgettext("audit object", "export"),
    "job": lazy_pgettext("audit object", "job"),
    "job_run": lazy_pgettext("audit object", "job run"),
    "schema": lazy_pgettext("audit object", "database schema"),
    "api_token": lazy_pgettext("audit object", "API token"),
    "finding_event": lazy_pgettext("audit object", "finding history entry"),
    "parameter": lazy_pgettext("audit object", "parameter"),
}


def action_label(action: str) -> str:
    """The action's name (the code itself when unknown)."""
    return str(ACTION_LABELS.get(action, action))


def result_label(result: str) -> str:
    """The result's name."""
    return str(RESULT_LABELS.get(result, result))


def object_label(object_type: str | None) -> str:
    """The object type's name."""
    return str(OBJECT_LABELS.get(object_type, object_type)) if object_type else ""


def parse_day(text: str | None):
    """A ``YYYY-MM-DD`` filter value as a date (None when empty or malformed)."""
    from datetime import date

    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def detail_items(event) -> list:
    """The event's detail as readable items (stored states by their labels)."""
    return items(event.detail or {}, ENUM_BY_OBJECT.get(event.object_type or ""))
