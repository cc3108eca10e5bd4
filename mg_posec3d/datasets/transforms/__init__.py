"""Data transforms (registered into mmaction2)."""
