"""Models (registered into mmaction2)."""
