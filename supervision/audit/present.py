"""How the audit log reads on the admin page: actions, results and object types named in the
reader's language (the stored action code stays in the database and in the filter's value)."""

from __future__ import annotations

from flask_babel import lazy_pgettext

from supervision.main.readable import ENUM_BY_OBJECT, items

_A = "audit action"
ACTION_LABELS = {
    "login": lazy_pgettext(_A, "Log in"), "logout": lazy_pgettext(_A, "Log out"),
    "password_change": lazy_pgettext(_A, "Password changed"), "password_reset": lazy_pgettext(_A, "Password reset"),
    "user_create": lazy_pgettext(_A, "User created"), "user_name": lazy_pgettext(_A, "Display name changed"),
    "user_activate": lazy_pgettext(_A, "User activated or deactivated"),
    "agency_create": lazy_pgettext(_A, "Agency created"), "agency_update": lazy_pgettext(_A, "Agency changed"),
    "institution_create": lazy_pgettext(_A, "Institution created"),
    "institution_update": lazy_pgettext(_A, "Institution changed"),
    "institution_alias_add": lazy_pgettext(_A, "Institution alias added"),
    "sharing_upsert": lazy_pgettext(_A, "Sharing agreement saved"),
    "sharing_delete": lazy_pgettext(_A, "Sharing agreement ended"),
    "period_add": lazy_pgettext(_A, "Period added"), "period_lock": lazy_pgettext(_A, "Period locked"),
    "period_unlock": lazy_pgettext(_A, "Period unlocked"),
    "filing_upload": lazy_pgettext(_A, "Filing uploaded"),
    "filing_upload_duplicate": lazy_pgettext(_A, "Same file uploaded again"),
    "filing_validated": lazy_pgettext(_A, "Filing validated"), "filing_rejected": lazy_pgettext(_A, "Filing refused"),
    "filing_failed": lazy_pgettext(_A, "Filing processing failed"),
    "filing_status": lazy_pgettext(_A, "Filing state changed"),
    "filing_rerun": lazy_pgettext(_A, "Filing processing restarted"),
    "register_import": lazy_pgettext(_A, "Register imported"),
    "register_export": lazy_pgettext(_A, "Register exported"),
    "checks_requested": lazy_pgettext(_A, "Checks requested"), "checks_failed": lazy_pgettext(_A, "Checks failed"),
    "finding_created": lazy_pgettext(_A, "Finding raised"), "finding_updated": lazy_pgettext(_A, "Finding updated"),
    "finding_reopened": lazy_pgettext(_A, "Finding holds again"),
    "finding_auto_closed": lazy_pgettext(_A, "Finding closed automatically"),
    "finding_status": lazy_pgettext(_A, "Finding decision"),
    "finding_opened_to_institution": lazy_pgettext(_A, "Finding opened to the institution"),
    "finding_answered": lazy_pgettext(_A, "Finding answered by the institution"),
    "finding_referred": lazy_pgettext(_A, "Finding referred"),
    "finding_referral_accepted": lazy_pgettext(_A, "Referral accepted (history)"),
    "finding_referral_answered": lazy_pgettext(_A, "Referral answered (history)"),
    "finding_referral_declined": lazy_pgettext(_A, "Referral declined (history)"),
    "referral_sent": lazy_pgettext(_A, "Referral sent"), "referral_accepted": lazy_pgettext(_A, "Referral accepted"),
    "referral_answered": lazy_pgettext(_A, "Referral answered"),
    "referral_declined": lazy_pgettext(_A, "Referral declined"),
    "league_publish": lazy_pgettext(_A, "League table published"),
    "league_export": lazy_pgettext(_A, "League table downloaded"),
    "summary": lazy_pgettext(_A, "Summary workbook generated"),
    "feedback": lazy_pgettext(_A, "Feedback sheet generated"),
    "export_created": lazy_pgettext(_A, "Export generated"), "export_download": lazy_pgettext(_A, "Export downloaded"),
    "job_run": lazy_pgettext(_A, "Scheduled job ran"), "job_run_requested": lazy_pgettext(_A, "Job run requested"),
    "job_paused": lazy_pgettext(_A, "Job paused"), "job_resumed": lazy_pgettext(_A, "Job resumed"),
    "db_upgrade": lazy_pgettext(_A, "Database upgraded"), "db_downgrade": lazy_pgettext(_A, "Database downgraded"),
}
_R = "audit result"
RESULT_LABELS = {"ok": lazy_pgettext(_R, "done"), "denied": lazy_pgettext(_R, "denied"),
                 "error": lazy_pgettext(_R, "error"), "failed": lazy_pgettext(_R, "did not succeed"),
                 "rejected": lazy_pgettext(_R, "refused")}
_O = "audit object"
OBJECT_LABELS = {
    "user": lazy_pgettext(_O, "user"), "agency": lazy_pgettext(_O, "agency"),
    "institution": lazy_pgettext(_O, "institution"), "sharing_agreement": lazy_pgettext(_O, "sharing agreement"),
    "period": lazy_pgettext(_O, "period"), "filing_version": lazy_pgettext(_O, "filing version"),
    "finding": lazy_pgettext(_O, "finding"), "referral": lazy_pgettext(_O, "referral"),
    "register": lazy_pgettext(_O, "register"), "register_upload": lazy_pgettext(_O, "register import"),
    "league_snapshot": lazy_pgettext(_O, "league snapshot"), "export": lazy_pgettext(_O, "export"),
    "job": lazy_pgettext(_O, "job"),
    "job_run": lazy_pgettext(_O, "job run"),
    "schema": lazy_pgettext(_O, "database schema"),
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


def detail_items(event) -> list:
    """The event's detail as readable items (stored states by their labels)."""
    return items(event.detail or {}, ENUM_BY_OBJECT.get(event.object_type or ""))
