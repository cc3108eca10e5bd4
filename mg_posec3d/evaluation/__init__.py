"""Metrics, ensembles and submission files.

``fusion`` (the one fusion rule, also used by the video demo), ``metrics``, ``ensemble`` and ``submission`` are
plain numpy (matplotlib only when a confusion plot is drawn); ``cli`` holds the ``--ensemble`` arguments that
``tools/test.py`` adds to its parser; ``score_dump`` registers ``ScoreDumpMetric`` (writes the dumps fused here)
and ``pathway_metric`` ``PathwayScoreMetric`` (per-pathway accuracy and dumps of two-stream models) into
mmaction2's METRICS.
"""
from .ensemble import (
    AlignedDumps,
    EnsembleError,
    EnsembleResult,
    WeightSearchResult,
    align_dumps,
    ensemble_aligned,
    ensemble_dumps,
    load_weights_file,
    search_weights,
    simplex_grid,
)
from .fusion import FusionError, default_weights, fuse, normalise_weights
from .metrics import (
    confusion_matrix,
    evaluate,
    mean_class_accuracy,
    per_class_report,
    plot_confusion_matrix,
    top_k_accuracy,
    write_per_class_csv,
    write_reports,
)
from .pathway_metric import PathwayScoreMetric
from .score_dump import ScoreDumpMetric
from .submission import (
    FORMATS,
    SubmissionError,
    check_submission,
    load_test_ids,
    read_submission,
    rows_from_scores,
    validate_rows,
    write_submission,
    write_topk_csv,
)

__all__ = [
    'AlignedDumps', 'EnsembleError', 'EnsembleResult', 'WeightSearchResult', 'align_dumps',
    'ensemble_dumps', 'ensemble_aligned', 'load_weights_file', 'search_weights', 'simplex_grid',
    'FusionError', 'default_weights', 'fuse', 'normalise_weights',
    'confusion_matrix', 'evaluate', 'mean_class_accuracy', 'per_class_report', 'plot_confusion_matrix',
    'top_k_accuracy', 'write_per_class_csv', 'write_reports',
    'PathwayScoreMetric', 'ScoreDumpMetric',
    'FORMATS', 'SubmissionError', 'check_submission', 'load_test_ids', 'read_submission', 'rows_from_scores',
    'validate_rows', 'write_submission', 'write_topk_csv',
]
