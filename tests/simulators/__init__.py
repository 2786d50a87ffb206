"""Tests for the simulator framework."""
