"""Datasets and data transforms (registered into mmaction2)."""
