"""Organisations licensed as agents and their agent points."""
