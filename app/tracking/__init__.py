"""Citizen-facing tracking: the receipt with its QR code, lookup without an account, status page."""
