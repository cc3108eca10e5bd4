"""mmaction2 conventions of the tools: ``tools/test.py --dump X.pkl`` writes mmaction2's format (read here by
mmaction2's own report_accuracy.py), ``--show-dir`` writes the test's reports, ``tools/train.py --no-validate``
drops validation as mmaction2's train.py does.

The model is the demo joint config with its weights as initialised (seeded; GENERATED checkpoint, no training:
the file formats are under test, not the accuracy), tested on 8 real clips of the bundled sample.
"""
import contextlib
import importlib.util
import io
import os
import sys
from types import SimpleNamespace

import mmaction
import numpy as np
import pytest
import torch

from mg_posec3d.evaluation import evaluate, load_score_pickle
from mg_posec3d.evaluation.curves import read_scalars
from mg_posec3d.fileio import safe_load_pickle
from tests.conftest import REPO, subset_of_sample
from tools import test as test_tool
from tools import train as train_tool
from tools.analysis import plot_curves

pytestmark = pytest.mark.slow  # tests and trains a (tiny) model
CONFIG = os.path.join(REPO, 'configs', 'demo', 'joint.py')
MMACTION_TOOLS = os.path.join(os.path.dirname(mmaction.__file__), '.mim', 'tools')


def _upstream(relpath: str):
    path = os.path.join(MMACTION_TOOLS, relpath)
    if not os.path.isfile(path):
        pytest.skip(f'mmaction2 installed without its .mim tools ({relpath})')
    spec = importlib.util.spec_from_file_location(os.path.basename(path)[:-3], path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _options(ann: str) -> list:
    return ['test_dataloader.dataset.pipeline.0.clip_len=8', f'test_dataloader.dataset.ann_file={ann}',
            'test_dataloader.num_workers=0', 'test_dataloader.persistent_workers=False']


@pytest.fixture(scope='module')
def initialised_checkpoint(tmp_path_factory):
    from mmaction.registry import MODELS

    from mg_posec3d.apis import load_config

    torch.manual_seed(0)
    model = MODELS.build(load_config(CONFIG).model)
    path = tmp_path_factory.mktemp('ckpt') / 'init.pth'
    torch.save({'state_dict': model.state_dict(), 'meta': {}}, path)
    return str(path)


def test_dump_pkl_is_read_by_mmaction2_report_accuracy(tmp_path, initialised_checkpoint, capsys, one_torch_thread):
    report_accuracy = _upstream(os.path.join('analysis_tools', 'report_accuracy.py'))
    ann = subset_of_sample(tmp_path / 'ann.pkl', {'test': ('test', 8)})
    dump, show = tmp_path / 'scores.pkl', tmp_path / 'show'
    argv = [CONFIG, initialised_checkpoint, '--work-dir', tmp_path / 'w', '--dump', dump, '--show-dir', show,
            '--cfg-options', *_options(ann)]
    assert test_tool.main([str(a) for a in argv]) == 0
    printed = dict(ln.split(': ') for ln in capsys.readouterr().out.splitlines() if ln.startswith('acc/'))

    # mmaction2's own reader: load(f), sample['pred_score'].numpy(), sample['gt_label'].item()
    out, saved_argv = io.StringIO(), sys.argv
    try:
        sys.argv = ['report_accuracy.py', '--preds', str(dump), '--coefficients', '1']
        with contextlib.redirect_stdout(out):
            report_accuracy.main()
    finally:
        sys.argv = saved_argv
    theirs = dict(ln.split(': ') for ln in out.getvalue().splitlines())
    ours = evaluate(*(lambda d: (d.scores, d.labels))(load_score_pickle(dump)))
    assert theirs['Top 1 Accuracy'] == f'{ours["top1"]:.4f}' == printed['acc/top1']
    assert theirs['Mean Class Accuracy'] == f'{ours["mean_class"]:.4f}' == printed['acc/mean1']

    # the dump carries the sample ids (frame_dir) in the test split's order, and mmaction2's fields
    scores = load_score_pickle(dump)
    assert scores.ids == safe_load_pickle(ann)['split']['test']
    np.testing.assert_allclose(scores.scores.sum(1), 1, atol=1e-5)
    # --show-dir: reports made from that dump
    assert sorted(os.listdir(show)) == ['test_confusion.png', 'test_per_class.csv', 'test_predictions.csv']
    rows = [ln.split(',') for ln in (show / 'test_predictions.csv').read_text().splitlines()[1:]]
    assert {r[0]: int(r[1]) for r in rows} == dict(zip(scores.ids, scores.scores.argmax(1).tolist()))

    # a second run is refused before the model is built, the dump and the reports left as they are
    before = dump.read_bytes()
    assert test_tool.main([str(a) for a in argv]) == 2
    assert 'pass --overwrite' in capsys.readouterr().err and dump.read_bytes() == before


def test_no_validate_trains_without_validation_like_mmaction2(tmp_path, monkeypatch, one_torch_thread):
    """A real (tiny) training with --no-validate: the config it runs is mmaction2's merge_args with
    no_validate=True, no validation happens, and the curves PNG is still written."""
    from mmengine.runner import Runner

    upstream = _upstream('train.py')
    ann = subset_of_sample(tmp_path / 'ann.pkl', {'train': ('train', 8), 'val': ('val', 4)})
    options = ['train_cfg.max_epochs=1', 'train_dataloader.batch_size=4', 'default_hooks.logger.interval=1',
               'train_dataloader.dataset.pipeline.0.clip_len=8', f'train_dataloader.dataset.ann_file={ann}',
               'train_dataloader.num_workers=0', 'train_dataloader.persistent_workers=False']
    built, from_cfg = [], Runner.from_cfg
    monkeypatch.setattr(Runner, 'from_cfg', classmethod(lambda cls, cfg: built.append(cfg) or from_cfg(cfg)))
    work = tmp_path / 'work'
    assert train_tool.main([CONFIG, '--no-validate', '--work-dir', str(work), '--cfg-options', *options]) == 0
    from mg_posec3d.apis import load_config

    theirs = upstream.merge_args(load_config(CONFIG), SimpleNamespace(
        no_validate=True, launcher='none', work_dir=None, config=CONFIG, amp=False, auto_scale_lr=False,
        resume=None, cfg_options=None, seed=None, diff_rank_seed=False, deterministic=False))
    for key in ('val_cfg', 'val_dataloader', 'val_evaluator'):
        assert built[0].get(key) is None and theirs.get(key) is None, key
    logged = read_scalars(work)
    assert len(logged.train) == 2 and not logged.val  # 8 clips / batch 4, never validated
    assert (work / 'epoch_1.pth').is_file() and not list(work.glob('best_*.pth'))
    curves = os.path.join(os.path.dirname(os.path.dirname(logged.path)), 'curves.png')
    assert os.path.getsize(curves) > 0
    # by hand: the PNG of the run exists already (refused), another --out is drawn
    before = open(curves, 'rb').read()
    assert plot_curves.main([str(work)]) == 2 and open(curves, 'rb').read() == before
    assert plot_curves.main([str(work), '--out', str(tmp_path / 'again.png')]) == 0
    assert (tmp_path / 'again.png').stat().st_size > 0
