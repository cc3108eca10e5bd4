"""Converters from raw skeleton formats to PYSKL annotation pickles in the miga22 layout."""
