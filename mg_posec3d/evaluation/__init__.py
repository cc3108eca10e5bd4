"""Metrics, ensembles and submission files."""
