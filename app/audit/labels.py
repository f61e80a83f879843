"""Plain words for what the audit trail records, for the administrators' log viewer.

An action not listed here (a feature added later) is still shown and can still be filtered
by its code; add it here to give it a name."""

from __future__ import annotations

from app.web.i18n import N_

ACTION_LABELS: dict[str, str] = {
    # Personal data and documents
    "personal_data_viewed": N_("Viewed a citizen's personal data"),
    "document_page_viewed": N_("Viewed a document page"),
    "document_thumbnail_viewed": N_("Viewed a document page thumbnail"),
    "document_pdf_downloaded": N_("Downloaded a document as PDF"),
    # Dossiers
    "dossier_created": N_("Took in a dossier"),
    "dossier_status_changed": N_("Dossier status changed"),
    # Accounts
    "login_succeeded": N_("Signed in"),
    "login_failed": N_("Failed sign-in"),
    "login_throttled": N_("Sign-in blocked after too many failures"),
    "logout": N_("Signed out"),
    "session_expired": N_("Session ended for inactivity"),
    "user_created": N_("Account created"),
    # Reference data
    "procedure_created": N_("Procedure added to the catalogue"),
    "procedure_edited": N_("Procedure edited"),
    "procedure_retired": N_("Procedure withdrawn from the catalogue"),
    "procedure_unretired": N_("Procedure put back in the catalogue"),
    "holiday_saved": N_("Holiday saved"),
    "holiday_deleted": N_("Holiday removed"),
    # This log
    "audit_log_viewed": N_("Viewed the audit log"),
    "audit_log_exported": N_("Exported the audit log"),
    "audit_chain_verified": N_("Checked the audit log's integrity"),
}

# "Who viewed or exported personal data": one choice in the action filter.
PERSONAL_DATA = "@personal_data"
PERSONAL_DATA_LABEL = N_("Every view or export of personal data")
PERSONAL_DATA_ACTIONS = (
    "personal_data_viewed",
    "document_page_viewed",
    "document_thumbnail_viewed",
    "document_pdf_downloaded",
    "audit_log_exported",
)

ROLE_LABELS: dict[str, str] = {
    "agent": N_("Agent"),
    "point_manager": N_("Point manager"),
    "supervisor": N_("Supervisor"),
    "admin": N_("Administrator"),
}

OBJECT_LABELS: dict[str, str] = {
    "dossier": N_("Dossier"),
    "document_page": N_("Document page"),
    "dossier_component": N_("Document"),
    "procedure": N_("Procedure"),
    "user": N_("Account"),
    "holiday": N_("Holiday"),
    "point": N_("Agent point"),
    "audit_log": N_("Audit log"),
}

PROBLEM_LABELS: dict[str, str] = {
    "edited": N_("an entry was changed after it was written"),
    "inserted": N_("an entry was inserted"),
    "removed": N_("entries were removed"),
    "reordered": N_("entries were reordered"),
}
