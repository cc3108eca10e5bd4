"""Helpers for the ``results`` dicts that flow through a data pipeline."""


def sample_name(results: dict) -> str:
    """How error messages name the sample: its ``frame_dir`` (clip id), else its file."""
    return str(results.get('frame_dir', results.get('filename', '<unnamed sample>')))
