"""Workshops, focus groups and user tests: call for volunteers, fair draw, seats, attendance."""
