"""The counting rules. Each takes a `Profile` and returns project indices in the order chosen."""
