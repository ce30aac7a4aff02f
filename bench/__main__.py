"""Run every benchmark and update bench/RESULTS.md: ``python -m bench`` (``make bench``)."""

from __future__ import annotations

from bench import bench_capture, bench_dossier, capture_seeds


def main() -> None:
    """Run the benchmarks in turn."""
    bench_capture.main([])
    capture_seeds.main([])
    bench_dossier.main([])


if __name__ == "__main__":
    main()
