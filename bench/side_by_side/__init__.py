"""Our integrations and Home Assistant core's, side by side on one simulated device (scripts/bench)."""
