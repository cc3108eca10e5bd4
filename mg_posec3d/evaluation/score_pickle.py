"""Score pickles of mmaction2 and PYSKL, read into a :class:`~mg_posec3d.fileio.ScoreDump` for ``--ensemble``.

Two layouts, both a list with one entry per test sample in the order the dataset was tested:

- mmaction2 1.x ``tools/test.py --dump X.pkl`` (mmengine's ``DumpResults``; also what our ``tools/test.py
  --dump X.pkl`` writes): a dict per sample with ``pred_score`` (torch tensor [C]), ``gt_label`` (tensor [1]),
  ``pred_label`` and the sample's meta keys. Our configs pack ``frame_dir``, the sample id; upstream configs
  do not.
- PYSKL and mmaction2 0.x ``tools/test.py --out X.pkl``: a numpy array [C] per sample (no id, no label).

Where the pickle has no ids, they come from the annotation file the pickle was tested on: the ``frame_dir``
of the split's annotations in annotation-file order (the order mmaction2/PYSKL test them in); labels come
from there too where the pickle has none. A pickle is read with the allow-list unpickler and its torch-tensor
opt-in (:mod:`mg_posec3d.fileio.torch_pickle`): nothing in it is run.
"""
from __future__ import annotations

import os

import numpy as np

from ..datasets.validation import is_unlabelled
from ..fileio import ScoreDump, UnsafePickleError, load_scores, safe_load_pickle

SCORE_PICKLE_EXTENSIONS = ('.pkl', '.pickle')


def is_score_pickle(path: str | os.PathLike) -> bool:
    """Whether ``path`` names a pickle (by its extension), as opposed to our ``.npz`` dumps."""
    return os.fspath(path).lower().endswith(SCORE_PICKLE_EXTENSIONS)


def _as_numpy(x) -> np.ndarray:
    return x.detach().cpu().numpy() if hasattr(x, 'detach') else np.asarray(x)


def _label_of(value, where: str) -> int:
    """``gt_label`` as an int (-1 = unknown): a tensor/array of one element or a plain int."""
    if value is None:
        return -1
    arr = _as_numpy(value).reshape(-1)
    if arr.size != 1:
        raise ValueError(f'{where}: field gt_label has {arr.size} values; multi-label dumps cannot be fused here')
    if not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(f'{where}: field gt_label is {arr.dtype}, not an integer class index')
    return int(arr[0])


def annotation_ids_and_labels(ann_file: str | os.PathLike, split: str | None) -> tuple[list[str], np.ndarray]:
    """``frame_dir`` and label (-1 where unlabelled) of the split's annotations, in annotation-file order."""
    from .submission import load_split_annotations

    anns = load_split_annotations(ann_file, split)
    labels = np.array([-1 if is_unlabelled(a) else int(a['label']) for a in anns], dtype=np.int64)
    return [str(a['frame_dir']) for a in anns], labels


def load_score_pickle(path: str | os.PathLike, ann_file: str | os.PathLike | None = None,
                      split: str | None = 'test') -> ScoreDump:
    """Read an mmaction2 / PYSKL score pickle. A pickle without ids takes them from ``split`` of ``ann_file`` (the
    annotation file it was tested on; ``split=None``: every annotation), and its labels too where it has none;
    where both have labels they must agree (a pickle tested on another split is refused)."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f'{path}: no such score pickle')
    try:
        data = safe_load_pickle(path, allow_torch_tensors=True)
    except UnsafePickleError as e:
        raise UnsafePickleError(f'{e} (a score pickle may hold lists, dicts, numbers, strings, numpy arrays and '
                                'plain torch tensors)') from e
    if not isinstance(data, list) or not data:
        what = 'an empty list' if isinstance(data, list) else type(data).__name__
        raise ValueError(f'{path}: expected a list with one result per sample (mmaction2 --dump, PYSKL --out), '
                         f'got {what}' + ('; an annotation file?' if isinstance(data, dict) else ''))
    scores, labels, ids = [], [], []
    for k, item in enumerate(data):
        where = f'{path}: sample {k}'
        if isinstance(item, dict):
            if 'pred_score' not in item:
                raise ValueError(f'{where}: field pred_score missing (keys: {sorted(map(str, item))[:8]})')
            score, label = item['pred_score'], _label_of(item.get('gt_label'), where)
            ids.append(str(item['frame_dir']) if 'frame_dir' in item else None)
        elif hasattr(item, 'shape'):  # PYSKL / mmaction2 0.x: the score array alone
            score, label = item, -1
            ids.append(None)
        else:
            raise ValueError(f'{where}: expected a dict with pred_score or a score array, got {type(item).__name__}')
        score = _as_numpy(score).astype(np.float32)
        if score.ndim != 1 or (scores and score.shape != scores[0].shape):
            want = f'[{scores[0].shape[0]}] like sample 0' if scores else 'one row [C]'
            raise ValueError(f'{where}: field pred_score has shape {list(score.shape)}, expected {want}')
        scores.append(score)
        labels.append(label)
    labels = np.asarray(labels, dtype=np.int64)
    if all(i is not None for i in ids):
        return ScoreDump(ids=ids, scores=np.stack(scores), labels=labels, path=path)
    if ann_file is None:
        raise ValueError(f'{path}: the pickle holds no sample ids (frame_dir); give --ann-file and --split of the '
                         'annotation file it was tested on, so the samples can be matched by id')
    ann_ids, ann_labels = annotation_ids_and_labels(ann_file, split)
    source = f'{os.fspath(ann_file)}' + ('' if split is None else f' split {split!r}')
    if len(ann_ids) != len(scores):
        raise ValueError(f'{path}: {len(scores)} samples, but {source} has {len(ann_ids)}: was the pickle '
                         'tested on another split or annotation file?')
    both = (labels >= 0) & (ann_labels >= 0)
    if (labels[both] != ann_labels[both]).any():
        k = int(np.flatnonzero(both & (labels != ann_labels))[0])
        raise ValueError(f'{path}: sample {k}: gt_label {labels[k]}, but {source} labels {ann_ids[k]!r} '
                         f'{ann_labels[k]}: was the pickle tested on another split or annotation order?')
    return ScoreDump(ids=ann_ids, scores=np.stack(scores), labels=np.where(labels >= 0, labels, ann_labels),
                     path=path)


def load_score_file(path: str | os.PathLike, ann_file: str | os.PathLike | None = None,
                    split: str | None = 'test') -> ScoreDump:
    """A score dump of any supported kind: our ``.npz`` or an mmaction2 / PYSKL pickle (see above)."""
    return load_score_pickle(path, ann_file, split) if is_score_pickle(path) else load_scores(path)
