"""Dossier intake and tracking: applicant, consent, lifecycle, receipt, citizen status."""
