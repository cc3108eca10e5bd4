"""Shared fixtures: score dumps built from real data where an oracle exists.

- ``ntu_dumps``: the real mmaction2 demo/fuse NTU-120 scores (tests/data/ntu120_demo_fuse_scores.npz,
  Apache-2.0) written as two score dumps. The original pickles carry no sample ids, so ids are GENERATED
  here (``ntu00``..``ntu59``, in file order).
- ``rtg_split_dumps``: the sample ids and labels of the bundled real reach-to-grasp annotation file with
  GENERATED class probabilities (seeded), for the CLI / submission flow where the scores' values do not
  matter but the ids and splits must be real.
"""
from __future__ import annotations

import os

import numpy as np
import pytest

from mg_posec3d.fileio import safe_load_pickle, save_scores

HERE = os.path.dirname(os.path.abspath(__file__))
NTU_NPZ = os.path.join(HERE, '..', 'data', 'ntu120_demo_fuse_scores.npz')
RTG_PKL = os.path.join(HERE, '..', '..', 'mg_posec3d', 'data', 'rtg_sample', 'rtg_miga22.pkl')


@pytest.fixture(scope='session')
def ntu():
    with np.load(NTU_NPZ) as z:
        return dict(joint=z['joint_scores'], bone=z['bone_scores'], labels=z['gt_label'],
                    ids=[f'ntu{i:02d}' for i in range(len(z['gt_label']))])


@pytest.fixture
def ntu_dumps(tmp_path, ntu):
    j = save_scores(tmp_path / 'joint.npz', ntu['ids'], ntu['joint'], ntu['labels'])
    b = save_scores(tmp_path / 'bone.npz', ntu['ids'], ntu['bone'], ntu['labels'])
    return j, b


@pytest.fixture(scope='session')
def rtg():
    data = safe_load_pickle(RTG_PKL)
    labels = {a['frame_dir']: int(a['label']) for a in data['annotations']}
    order = [a['frame_dir'] for a in data['annotations']]
    return dict(path=RTG_PKL, data=data, labels=labels, order=order, class_names=list(data['label_names']))


def generated_probs(n: int, c: int, seed: int, labels=None, skill: float = 0.0) -> np.ndarray:
    """GENERATED probabilities: Dirichlet noise, with ``skill`` extra mass on the true label if given."""
    rng = np.random.default_rng(seed)
    p = rng.dirichlet(np.ones(c), size=n)
    if labels is not None:
        p[np.arange(n), labels] += skill
    return (p / p.sum(axis=1, keepdims=True)).astype(np.float32)


@pytest.fixture
def rtg_split_dumps(tmp_path, rtg):
    """joint/limb dumps for val (labelled) and test (labels unknown, like a challenge test set)."""
    out = {}
    for split in ('val', 'test'):
        ids = [i for i in rtg['order'] if i in set(rtg['data']['split'][split])]
        y = np.array([rtg['labels'][i] for i in ids])
        for k, stream in enumerate(('joint', 'limb')):
            p = generated_probs(len(ids), 3, seed=10 * k + len(split), labels=y, skill=0.4)
            # the limb dumps list the samples in another order: fusion must match them by id
            o = np.random.default_rng(k).permutation(len(ids)) if stream == 'limb' else np.arange(len(ids))
            out[stream, split] = save_scores(tmp_path / f'{stream}_{split}.npz', [ids[i] for i in o], p[o],
                                             y[o] if split == 'val' else None, rtg['class_names'])
    return out
