"""Entry points shared by ``tools/`` and the tests (the tools only parse arguments).

- :mod:`.config`: ``load_config``, ``set_dataset_options`` (``tools/train.py``, ``tools/test.py``);
- :mod:`.training`: ``train`` (``tools/train.py``);
- :mod:`.testing`: ``test_checkpoint`` / ``run_test`` and the checks made before a test runs
  (``tools/test.py``, also for the ensemble's ``CONFIG CHECKPOINT`` inputs);
- :mod:`.inference`: recognizer inference on a pose record, fused by the one fusion rule (``demo/demo.py``).
"""
from ..cli_utils import UserError  # lives with the one error rule of the tools; re-exported for callers
from .config import DictAction, load_config, set_dataset_options
from .inference import (
    LoadedModel,
    Recognition,
    load_label_names,
    load_model,
    predict,
    recognize,
    render_result,
    skeleton_annotation,
    to_probabilities,
    top_k,
)
from .testing import (
    annotations_have_labels,
    check_checkpoint,
    planned_test_outputs,
    run_test,
    test_checkpoint,
)
from .training import CheckpointFitHook, train

__all__ = [
    'UserError', 'DictAction', 'load_config', 'set_dataset_options',
    'LoadedModel', 'Recognition', 'load_label_names', 'load_model', 'predict', 'recognize', 'render_result',
    'skeleton_annotation', 'to_probabilities', 'top_k',
    'annotations_have_labels', 'check_checkpoint', 'planned_test_outputs', 'run_test', 'test_checkpoint',
    'CheckpointFitHook', 'train',
]
