"""Reorder policy simulation benchmark: `python -m bench.reorder`."""
