"""The read-only open-data API per council (published results, surveys, events, budgeting, composition)."""
