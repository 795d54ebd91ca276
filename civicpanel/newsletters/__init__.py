"""Information mailings to the panel or a segment."""
