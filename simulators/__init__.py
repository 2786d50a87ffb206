"""Simulated devices and clouds for tests, benchmarks and the demo (served on loopback)."""
