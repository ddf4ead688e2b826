"""scanner_app."""
