"""``tools/test.py --show-dir DIR``: what a test run looks like, as files to open rather than numbers to read.

mmaction2's ``--show-dir`` draws each test video with its prediction; our inputs are skeleton heatmaps, so
the pictures that help are the confusion matrix and the per-sample predictions: ``test_confusion.png`` (rows
normalised, class names) and ``test_per_class.csv`` for labelled splits, and ``test_predictions.csv`` (per
sample: the 5 best classes, best first, with their probabilities) for every split. All are made from the score
dump the test wrote.
"""
from __future__ import annotations

import os

import numpy as np

from . import metrics as M
from .score_pickle import load_score_file
from .submission import write_topk_csv

SHOW_NAME = 'test'
SHOW_TOPK = 5


def planned_show_outputs(show_dir: str | os.PathLike) -> list[str]:
    """The files :func:`write_show_dir` may write (checked before the test runs)."""
    return [os.path.join(show_dir, f'{SHOW_NAME}_{kind}') for kind in ('confusion.png', 'per_class.csv',
                                                                        'predictions.csv')]


def write_show_dir(dump_path: str | os.PathLike, show_dir: str | os.PathLike, ann_file: str | None = None,
                   split: str | None = None, overwrite: bool = False) -> list[str]:
    """Write the confusion matrix and per-class csv (where labels are known) and the top-k csv of the score dump
    at ``dump_path`` (``.npz`` or mmaction2 ``.pkl``; ``ann_file`` / ``split`` give a pickle's ids if it has
    none) into ``show_dir``; return the paths written."""
    dump = load_score_file(dump_path, ann_file, split)
    labelled = dump.labels >= 0 if dump.labels is not None else np.zeros(len(dump.ids), bool)
    c = dump.scores.shape[1]
    names = dump.class_names or [str(i) for i in range(c)]
    written = []
    if labelled.any():
        rep = M.write_reports(show_dir, SHOW_NAME, dump.scores[labelled], dump.labels[labelled], names)
        written += [rep['confusion_png'], rep['per_class_csv']]
    written.append(write_topk_csv(planned_show_outputs(show_dir)[-1], dump.ids, dump.scores, min(SHOW_TOPK, c),
                                  dump.class_names, overwrite=overwrite))
    return written
