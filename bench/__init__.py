"""Benchmarks: `make bench` (or `python -m bench [--quick]`); results go to BENCHMARKS.md."""
