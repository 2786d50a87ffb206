"""Tests for the shared helper package."""
