"""The scale data generator and the benchmark harness (see bench/README.md)."""
