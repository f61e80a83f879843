"""Hanoi's administrative units as dated data (districts until 30 Jun 2025, communes and wards)."""
