"""Benchmarks and the load script of issue 4: `python -m bench all` (see bench/README.md)."""
