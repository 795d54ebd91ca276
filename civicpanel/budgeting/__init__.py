"""Participatory budgeting rounds: ideas, assessment, the vote, the count, and what was built."""
