"""Home Energy Bridges custom integrations (this file lets tests import them)."""
