"""Tests for Home Energy Bridges."""
