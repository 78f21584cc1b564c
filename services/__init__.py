"""Sales Channel services."""
