"""Reference baselines and the cross-subject comparison of the toolkit's methods (tools/analysis/compare_methods.py)."""
