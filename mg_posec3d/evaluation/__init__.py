"""Metrics, ensembles and submission files.

``fusion`` (the one fusion rule, also used by the video demo), ``metrics``, ``ensemble`` and ``submission`` are
plain numpy (matplotlib only when a confusion plot is
drawn); ``ensemble_runner.run_ensemble`` is one whole ``tools/test.py --ensemble`` run as a function;
``score_pickle`` reads mmaction2 / PYSKL score pickles; ``test_report`` writes ``tools/test.py --show-dir``;
``curves`` plots the training curves; ``score_dump`` registers ``ScoreDumpMetric`` (writes the dumps fused here)
and ``MMActionDumpResults`` (mmaction2's ``--dump X.pkl`` format), and ``pathway_metric``
``PathwayScoreMetric`` (per-pathway accuracy and dumps of two-stream models) into mmaction2's METRICS.
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
from .ensemble_runner import EnsembleRun, run_ensemble
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
from .score_dump import MMActionDumpResults, ScoreDumpMetric
from .score_pickle import load_score_file, load_score_pickle
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
    'EnsembleRun', 'run_ensemble', 'MMActionDumpResults', 'load_score_file', 'load_score_pickle',
    'PathwayScoreMetric', 'ScoreDumpMetric',
    'FORMATS', 'SubmissionError', 'check_submission', 'load_test_ids', 'read_submission', 'rows_from_scores',
    'validate_rows', 'write_submission', 'write_topk_csv',
]
