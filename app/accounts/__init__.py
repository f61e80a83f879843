"""Staff accounts, roles, sessions, login and the audit trail."""
