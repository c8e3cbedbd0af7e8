"""The engine: drives the sans-IO core with real I/O (HTTP, files, clocks, threads)."""
