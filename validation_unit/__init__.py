"""validation_unit."""
