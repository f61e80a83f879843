"""Spot checks of agent points by the Centre's supervisors, on tablets."""
