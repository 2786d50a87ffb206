"""Real-browser tests of the demo (scripts/e2e)."""
