import os
import pickle
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(REPO, 'tests', 'data')
SAMPLE = os.path.join(REPO, 'mg_posec3d', 'data', 'rtg_sample', 'rtg_miga22.pkl')
SAMPLE_EMB = os.path.join(REPO, 'mg_posec3d', 'data', 'rtg_sample', 'rtg_glove50.npy')
PYTHON = sys.executable

from mmaction.utils import register_all_modules  # noqa: E402

import mg_posec3d  # noqa: E402,F401  (applies the compat fixes, registers modules)

register_all_modules(init_default_scope=True)  # configs build in mmaction's scope, as in the Runner


def subset_of_sample(path, per_split: dict) -> str:
    """Write the first clips of the real bundled sample's splits to ``path`` (a real-data subset)."""
    from mg_posec3d.fileio import safe_load_pickle

    data = safe_load_pickle(SAMPLE)
    split = {name: data['split'][src][:n] for name, (src, n) in per_split.items()}
    keep = {x for ids in split.values() for x in ids}
    out = dict(data, split=split, annotations=[a for a in data['annotations'] if a['frame_dir'] in keep])
    with open(path, 'wb') as f:
        pickle.dump(out, f)
    return str(path)


@pytest.fixture
def small_sample(tmp_path):
    return subset_of_sample(tmp_path / 'small.pkl', {'train': ('train', 48), 'val': ('val', 12),
                                                     'test': ('test', 8)})


@pytest.fixture(autouse=True)
def _mmaction_scope():
    """mmpose's own APIs (used as oracles in tests/pose) switch mmengine's global default scope; give every
    test mmaction's, as the Runner does."""
    from mmengine.registry import DefaultScope, init_default_scope

    yield
    current = DefaultScope.get_current_instance()
    if current is None or current.scope_name != 'mmaction':
        init_default_scope('mmaction')


@pytest.fixture(scope='module')
def one_torch_thread():
    """Tiny convolutions on a shared 2-core machine: one torch thread is several times faster than two
    contended ones."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def tool_path(name: str) -> str:
    """Path of a command-line tool by name: tools/ (train, test), tools/data, tools/analysis or demo/."""
    for folder in ('tools', os.path.join('tools', 'data'), os.path.join('tools', 'analysis'), 'demo'):
        path = os.path.join(REPO, folder, f'{name}.py')
        if os.path.isfile(path):
            return path
    raise FileNotFoundError(f'no tool {name}.py under tools/ or demo/')


def random_joint_limb_models(root, config_template: str, classes: list) -> list:
    """[joint.py, joint.pth, limb.py, limb.pth] under ``root``: tiny miga22 joint (22 channels) and limb (21)
    recognizers from ``config_template`` (fields channels, kp, limb, skeletons) with random initial weights, saved
    with ``classes`` in the checkpoint meta as mmengine stores them (GENERATED test models)."""
    import torch
    from mmaction.apis import init_recognizer

    from mg_posec3d.layouts import MIGA22

    out = []
    for name, kp, limb, ch in (('joint', True, False, 22), ('limb', False, True, 21)):
        cfg = root / f'{name}.py'
        cfg.write_text(config_template.format(channels=ch, kp=kp, limb=limb,
                                              skeletons=[list(x) for x in MIGA22.limbs]))
        torch.manual_seed(len(out))
        model = init_recognizer(str(cfg), None, device='cpu')   # random initial weights
        ckpt = root / f'{name}.pth'
        torch.save({'state_dict': model.state_dict(), 'meta': {'dataset_meta': {'classes': classes}}}, ckpt)
        out += [str(cfg), str(ckpt)]
    return out
