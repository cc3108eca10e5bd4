"""Reference baselines and the cross-subject comparison of the toolkit's methods (tools/compare_methods.py)."""
