"""The audit trail: who did or saw what, and when."""
