"""The benchmark harness: every performance promise measured next to a baseline in the same run
(`python -m benchmarks --help`)."""
