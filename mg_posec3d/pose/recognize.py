"""Class-name files of the recognizers (``tools/demo.py --label-names``).

The recognizer inference that used to live here is in :mod:`mg_posec3d.apis.inference`.
"""
from __future__ import annotations


def load_label_names(path: str) -> list[str]:
    """Class names, one per line: ``name`` or ``<id> name`` (ids 0..C-1 in any order)."""
    with open(path, encoding='utf-8') as f:
        lines = [ln.strip() for ln in f if ln.strip()]
    if not lines:
        raise ValueError(f'{path}: no class names')
    parts = [ln.split(maxsplit=1) for ln in lines]
    if all(len(p) == 2 and p[0].isdigit() for p in parts):
        ids = sorted(int(p[0]) for p in parts)
        if ids != list(range(len(parts))):
            raise ValueError(f'{path}: ids must be 0..{len(parts) - 1}, each once')
        return [name for _, name in sorted((int(p[0]), p[1]) for p in parts)]
    return lines
