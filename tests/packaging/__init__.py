"""Tests of scripts/package: each integration built alone, as HACS and Home Assistant take it."""
