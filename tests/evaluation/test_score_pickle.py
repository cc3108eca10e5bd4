"""mmaction2 / PYSKL score pickles in ``tools/test.py --ensemble``, and the torch-tensor opt-in of the safe unpickler.

The real mmaction2 demo/fuse NTU-120 scores (tests/data/ntu120_demo_fuse_scores.npz, decoded from mmaction2's
demo/fuse/{joint,bone}.pkl) are RE-DUMPED here in the two published layouts: mmaction2 1.x (``mmengine.dump`` of
a list of dicts with torch tensors, no sample ids: what its ``tools/test.py --dump`` writes) and PYSKL (a list of
numpy score arrays). The annotation file giving their ids is GENERATED (ids ntu00..ntu59 in file order, the real
labels). Oracles: mmaction2's published fusion numbers, and mmaction2's own ``report_accuracy.py`` run on the
same pickles. Attack payloads are built inside the tests.
"""
import contextlib
import importlib.util
import io
import json
import os
import pickle
import sys

import mmaction
import mmengine
import numpy as np
import pytest
import torch

from mg_posec3d.evaluation.score_pickle import load_score_pickle
from mg_posec3d.fileio import UnsafePickleError, safe_load_pickle
from tools import test as test_tool

REPORT_ACCURACY = os.path.join(os.path.dirname(mmaction.__file__), '.mim', 'tools', 'analysis_tools',
                               'report_accuracy.py')
PUBLISHED = {'input0': ['0.9167', '0.9833', '0.9016'], 'input1': ['0.9333', '0.9833', '0.9032'],
             'fused': ['0.9333', '0.9833', '0.9180']}  # tests/data/README.md: top1, top5, mean-class


def mmaction2_dump(path, scores, labels, ids=None) -> str:
    """The layout of mmaction2 1.x ``tools/test.py --dump`` (mmengine DumpResults), written with mmengine.dump."""
    results = [dict(pred_score=torch.from_numpy(s.copy()), pred_label=torch.tensor([int(s.argmax())]),
                    gt_label=torch.tensor([int(y)])) for s, y in zip(scores, labels)]
    if ids is not None:
        for r, i in zip(results, ids):
            r['frame_dir'] = i
    mmengine.dump(results, str(path))
    return str(path)


@pytest.fixture
def ntu_ann(tmp_path, ntu):
    """GENERATED annotation file: the demo samples' generated ids with their real labels, split 'test'."""
    path = tmp_path / 'ntu_ann.pkl'
    anns = [dict(frame_dir=i, label=int(y), total_frames=1) for i, y in zip(ntu['ids'], ntu['labels'])]
    path.write_bytes(pickle.dumps(dict(split=dict(test=ntu['ids']), annotations=anns)))
    return str(path)


def _table(out: str) -> dict:
    rows = [ln.split() for ln in out.splitlines()]
    return {r[0]: r[-3:] for r in rows if len(r) >= 4 and r[0] in PUBLISHED}


@pytest.fixture
def no_confusion_png(monkeypatch):
    """STUB for the confusion PNG (a 120-class plot takes ~10 s on 2 shared cores; tests/evaluation/test_cli.py
    draws them): writes a placeholder file where the plot goes."""
    from mg_posec3d.evaluation import metrics

    def placeholder(cm, class_names, path, title=''):
        open(path, 'wb').close()
        return os.fspath(path)

    monkeypatch.setattr(metrics, 'plot_confusion_matrix', placeholder)


def test_mmaction2_and_pyskl_pickles_fuse_to_the_published_numbers(tmp_path, ntu, ntu_ann, capsys, no_confusion_png):
    joint = mmaction2_dump(tmp_path / 'joint.pkl', ntu['joint'], ntu['labels'])  # no ids, like upstream
    bone = tmp_path / 'bone_pyskl.pkl'
    bone.write_bytes(pickle.dumps([s for s in ntu['bone']]))  # PYSKL: the score arrays alone, no labels
    wd = tmp_path / 'wd'
    assert test_tool.main(['--ensemble', joint, str(bone), '--weights', '1', '1', '--ann-file', ntu_ann,
                           '--split', 'test', '--work-dir', str(wd)]) == 0
    assert _table(capsys.readouterr().out) == PUBLISHED
    assert round(json.loads((wd / 'ensemble_metrics.json').read_text())['fused_metrics']['mean_class'], 4) == 0.9180
    # the ids (and the PYSKL pickle's labels) came from the annotation file, in its order
    dump = load_score_pickle(bone, ntu_ann, 'test')
    assert dump.ids == ntu['ids'] and dump.labels.tolist() == ntu['labels'].tolist()


def test_mmaction2_report_accuracy_reads_the_same_pickles(tmp_path, ntu):
    """mmaction2's own tool, run on the re-dumped pickles: the oracle that these are mmaction2's format."""
    if not os.path.isfile(REPORT_ACCURACY):
        pytest.skip('mmaction2 installed without its .mim tools')
    spec = importlib.util.spec_from_file_location('report_accuracy', REPORT_ACCURACY)
    report = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(report)
    joint = mmaction2_dump(tmp_path / 'joint.pkl', ntu['joint'], ntu['labels'])
    bone = mmaction2_dump(tmp_path / 'bone.pkl', ntu['bone'], ntu['labels'])
    out, argv = io.StringIO(), sys.argv
    try:
        sys.argv = ['report_accuracy.py', '--preds', joint, bone, '--coefficients', '1', '1']
        with contextlib.redirect_stdout(out):
            report.main()
    finally:
        sys.argv = argv
    assert out.getvalue().splitlines() == ['Mean Class Accuracy: 0.9180', 'Top 1 Accuracy: 0.9333',
                                           'Top 5 Accuracy: 0.9833']


def test_pickle_without_ids_needs_the_annotation_file_of_its_split(tmp_path, ntu, ntu_ann, capsys):
    joint = mmaction2_dump(tmp_path / 'joint.pkl', ntu['joint'], ntu['labels'])
    short = mmaction2_dump(tmp_path / 'short.pkl', ntu['joint'][:59], ntu['labels'][:59])
    swapped = mmaction2_dump(tmp_path / 'swapped.pkl', ntu['joint'], np.roll(ntu['labels'], 1))
    cases = [
        ([joint], 'the pickle holds no sample ids (frame_dir); give --ann-file and --split'),
        ([short, '--ann-file', ntu_ann], f"{short}: 59 samples, but {ntu_ann} split 'test' has 60"),
        ([swapped, '--ann-file', ntu_ann], f"{swapped}: sample 0: gt_label {ntu['labels'][-1]}, but {ntu_ann} "
                                           f"split 'test' labels 'ntu00' {ntu['labels'][0]}"),
        ([ntu_ann], f'{ntu_ann}: expected a list with one result per sample (mmaction2 --dump, PYSKL --out), '
                    'got dict; an annotation file?'),
    ]
    for args, message in cases:
        assert test_tool.main(['--ensemble', *args, '--work-dir', str(tmp_path / 'wd')]) == 2
        err = capsys.readouterr().err
        assert err.startswith('error: ') and message in err, err
    # a pickle with ids (ours: frame_dir packed by the configs) needs no annotation file
    ours = mmaction2_dump(tmp_path / 'ours.pkl', ntu['joint'], ntu['labels'], ids=ntu['ids'])
    assert load_score_pickle(ours).ids == ntu['ids']


def test_torch_tensors_are_rebuilt_only_on_request_and_exactly(tmp_path, ntu):
    path = mmaction2_dump(tmp_path / 'joint.pkl', ntu['joint'], ntu['labels'])
    with pytest.raises(UnsafePickleError, match=r'refusing to load torch\._utils\._rebuild_tensor_v2'):
        safe_load_pickle(path)
    back = safe_load_pickle(path, allow_torch_tensors=True)
    plain = pickle.loads(open(path, 'rb').read())  # the trusted reference: our own file, just written
    assert len(back) == 60
    for a, b in zip(back, plain):
        assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) and a[k].dtype == b[k].dtype for k in a)


class _RunsCommand:
    def __init__(self, command):
        self.command = command

    def __reduce__(self):
        return os.system, (self.command,)


class _StorageFromBytes:
    """Pickles as torch's storage call, ``torch.storage._load_from_bytes(payload)``."""
    def __init__(self, payload: bytes):
        self.payload = payload

    def __reduce__(self):
        return torch.storage._load_from_bytes, (self.payload,)


def test_malicious_score_pickles_run_nothing(tmp_path, capsys):
    marker = tmp_path / 'pwned'
    payload = pickle.dumps(_RunsCommand(f'touch {marker}'))
    attacks = {
        'plain reduce': pickle.dumps([dict(pred_score=_RunsCommand(f'touch {marker}'))]),
        # the subtle one: the command hides in the storage bytes, which torch's own _load_from_bytes unpickles
        # with weights_only=False
        'storage bytes': pickle.dumps([dict(pred_score=_StorageFromBytes(payload))]),
    }
    for name, data in attacks.items():
        path = tmp_path / f'{name.replace(" ", "_")}.pkl'
        path.write_bytes(data)
        assert test_tool.main(['--ensemble', str(path), '--work-dir', str(tmp_path / 'wd')]) == 2, name
        err = capsys.readouterr().err
        assert err.startswith(f'error: {path}: ') and ('refusing' in err or 'not plain data' in err), err
        with pytest.raises(UnsafePickleError):
            safe_load_pickle(path, allow_torch_tensors=True)
        assert not marker.exists(), name
    # control: the same storage bytes through torch's own function do run the command
    with contextlib.suppress(Exception):
        torch.storage._load_from_bytes(payload)
    assert marker.exists()
