"""Benchmarks for the capture pipeline: a synthetic corpus, a classic baseline and metrics."""
