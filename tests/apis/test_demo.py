"""demo/demo.py and mg_posec3d.apis.inference: video -> MediaPipe pose -> heatmaps -> recognizers -> fused top-5.

The recognizers are built in this test from mmaction2 components (a small ResNet3dSlowOnly + I3DHead, one
joint-heatmap and one limb-heatmap config) with **random initial weights** saved as mmengine-style
checkpoints: the scores are meaningless, the test checks the code path and the fusion against mmaction2's
own ``inference_recognizer``, a hand computation and the ensemble of score dumps (``tools/test.py --ensemble``)."""
import os
import re

import numpy as np
import pytest

from mg_posec3d.annotations import PoseRecord
from mg_posec3d.apis import inference
from mg_posec3d.apis.inference import LoadedModel, load_label_names, load_model, recognize, to_probabilities, top_k
from mg_posec3d.evaluation.ensemble import ensemble_dumps
from mg_posec3d.fileio import save_scores
from mg_posec3d.layouts import COCO17
from tests.conftest import random_joint_limb_models

DATA = os.path.join(os.path.dirname(__file__), '..', 'data')
VIDEO = os.path.join(DATA, 'videos', 'basketball_426x240.mp4')
NTU_NPZ = os.path.join(DATA, 'ntu120_demo_fuse_scores.npz')
CONFIG = '''
left_kp = [2, 3, 4, 8, 10, 12, 13, 14, 15, 16]
right_kp = [5, 6, 7, 9, 11, 17, 18, 19, 20, 21]
model = dict(
    type='Recognizer3D',
    backbone=dict(type='ResNet3dSlowOnly', depth=50, pretrained=None, in_channels={channels}, base_channels=8,
                  num_stages=3, out_indices=(2,), stage_blocks=(1, 1, 1), conv1_stride_s=1, pool1_stride_s=1,
                  inflate=(0, 1, 1), spatial_strides=(2, 2, 2), temporal_strides=(1, 1, 2),
                  dilations=(1, 1, 1)),
    cls_head=dict(type='I3DHead', in_channels=128, num_classes=5, dropout_ratio=0.5, average_clips='prob'),
    data_preprocessor=dict(type='ActionDataPreprocessor', format_shape='NCTHW'))
test_pipeline = [
    dict(type='UniformSampleFrames', clip_len=8, num_clips=2, test_mode=True),
    dict(type='PoseDecode'),
    dict(type='PoseCompact', hw_ratio=1., allow_imgpad=True),
    dict(type='Resize', scale=(32, 32), keep_ratio=False),
    dict(type='GeneratePoseTarget', sigma=0.6, use_score=True, with_kp={kp}, with_limb={limb},
         skeletons={skeletons}, double=True, left_kp=left_kp, right_kp=right_kp),
    dict(type='FormatShape', input_format='NCTHW_Heatmap'),
    dict(type='PackActionInputs')]
'''
CLASSES = ['fold arms', 'touch nose', 'scratch head', 'rub hands', 'shake legs']


pytestmark = pytest.mark.usefixtures('one_torch_thread')


@pytest.fixture(scope='module')
def models(tmp_path_factory):
    return random_joint_limb_models(tmp_path_factory.mktemp('demo_models'), CONFIG, CLASSES)


@pytest.fixture(scope='module')
def record():
    pytest.importorskip('mediapipe')
    from mg_posec3d.pose.backends import MediaPipeBackend
    from mg_posec3d.pose.runner import extract_video
    from mg_posec3d.pose.video import InputItem

    backend = MediaPipeBackend()
    try:
        return extract_video(InputItem('bb', VIDEO, 'video'), backend, 1, 16, show_progress=False)
    finally:
        backend.close()


def test_label_names_probabilities_and_top_k(tmp_path):
    p = tmp_path / 'names.txt'
    p.write_text('1 touch nose\n0 fold arms\n')
    assert load_label_names(str(p)) == ['fold arms', 'touch nose']
    p.write_text('small\nmedium cube\n')
    assert load_label_names(str(p)) == ['small', 'medium cube']
    p.write_text('0 a\n2 b\n')
    with pytest.raises(ValueError, match='ids must be 0..1'):
        load_label_names(str(p))
    # probabilities are kept, logits go through softmax: [0, log 3] -> [1/4, 3/4]
    assert to_probabilities(np.array([0.2, 0.8])).tolist() == [0.2, 0.8]
    assert np.allclose(to_probabilities(np.array([0.0, np.log(3)])), [0.25, 0.75])
    assert top_k(np.array([0.1, 0.5, 0.4]), ['a', 'b', 'c'], 2) == [(1, 'b', 0.5), (2, 'c', 0.4)]


def _one_person_record(name: str) -> PoseRecord:
    kp = np.full((2, COCO17.num_joints, 2), 10.0)
    return PoseRecord(name, kp, np.ones((2, COCO17.num_joints)), (64, 64), COCO17.name)


def test_demo_and_ensemble_fuse_alike(tmp_path, monkeypatch):
    """The real mmaction2 demo/fuse NTU-120 joint and bone scores (tests/data, ids GENERATED) fused two ways:
    per video by the demo's ``recognize`` (the models' ``predict`` replaced by a STUB that returns the stored
    scores), and as score dumps by the ensemble. Both use the default rule, 2:3 in the order given."""
    with np.load(NTU_NPZ) as z:
        joint, bone = z['joint_scores'], z['bone_scores']
    ids = [f'ntu{i:02d}' for i in range(len(joint))]
    dumps = [save_scores(tmp_path / 'joint.npz', ids, joint), save_scores(tmp_path / 'bone.npz', ids, bone)]
    ens = ensemble_dumps(dumps)
    models = [LoadedModel('joint.py', 'joint.pth', None, None), LoadedModel('bone.py', 'bone.pth', None, None)]
    for i, vid in enumerate(ids):
        stored = {'joint.py': joint[i], 'bone.py': bone[i]}
        monkeypatch.setattr(inference, 'predict', lambda m, ann, stored=stored: stored[m.config].astype(np.float64))
        res = recognize(_one_person_record(vid), models)
        np.testing.assert_array_equal(res.fused, ens.fused[i])   # bit for bit: one function, one default
        np.testing.assert_allclose(res.fused, 0.4 * joint[i] + 0.6 * bone[i], rtol=0, atol=1e-7)
        assert res.top(1)[0][0] == int(ens.fused[i].argmax())
    # given weights: also the same in both (predict still returns the last video's scores)
    again = recognize(_one_person_record(ids[-1]), models, weights=[1, 1])
    np.testing.assert_array_equal(again.fused, ensemble_dumps(dumps, [1, 1]).fused[-1])


def test_recognize_refuses_models_that_do_not_fit_together(monkeypatch):
    models = [LoadedModel('joint.py', 'j.pth', None, None), LoadedModel('limb.py', 'l.pth', None, None)]
    monkeypatch.setattr(inference, 'predict', lambda m, ann: np.ones(5 if m.config == 'joint.py' else 3) / 3)
    with pytest.raises(ValueError, match='the models disagree on the number of classes: joint.py: 5, limb.py: 3'):
        recognize(_one_person_record('v'), models)
    with pytest.raises(ValueError, match='3 weights given for 2 inputs'):
        recognize(_one_person_record('v'), models, weights=[1, 1, 1])


def test_recognize_matches_mmaction_inference(models, record, tmp_path):
    from mmaction.apis import inference_recognizer

    from mg_posec3d.apis.inference import skeleton_annotation

    loaded = [load_model(models[0], models[1]), load_model(models[2], models[3])]
    assert loaded[0].class_names == CLASSES   # from the checkpoint's dataset metainfo
    res = recognize(record, loaded)
    ann = skeleton_annotation(record)
    ref = [inference_recognizer(m.model, dict(ann)).pred_score.numpy() for m in loaded]
    for got, want in zip(res.per_model, ref):
        assert np.allclose(got, want, atol=1e-6) and want.sum() == pytest.approx(1, abs=1e-5)
    assert np.allclose(res.fused, 0.4 * ref[0] + 0.6 * ref[1], atol=1e-6)   # joint 2 : limb 3
    # the same per-model scores as score dumps, fused by tools/test.py --ensemble's code: the same numbers
    dumps = [save_scores(tmp_path / f'{k}.npz', ['bb'], s[None]) for k, s in enumerate(res.per_model)]
    np.testing.assert_array_equal(ensemble_dumps(dumps).fused[0], res.fused)
    assert [n for _, n, _ in res.top(5)] == [CLASSES[i] for i in np.argsort(-res.fused, kind='stable')]


def test_demo_cli(models, record, tmp_path, capsys):
    from demo.demo import main

    names = tmp_path / 'labels.txt'
    names.write_text('\n'.join(f'{i} label_{i}' for i in range(5)) + '\n')
    out_video = str(tmp_path / 'demo.mp4')
    rc = main([VIDEO, *models, '--max-frames', '16', '--label-names', str(names), '--out-video', out_video,
               '--no-progress'])
    assert rc == 0
    text = capsys.readouterr().out
    assert 'fusion weights: 0.4 : 0.6\nfused top-5:' in text and f'wrote {out_video} (16 frames)' in text
    rows = re.findall(r'^\s+(\d)\. (label_\d) \(class (\d)\): ([0-9.]+)$', text, re.M)
    assert [int(r[0]) for r in rows] == [1, 2, 3, 4, 5]
    probs = [float(r[3]) for r in rows]
    assert probs == sorted(probs, reverse=True) and sum(probs) == pytest.approx(1, abs=1e-3)
    assert all(r[1] == f'label_{r[2]}' for r in rows)
    # the same numbers as the API on the same (deterministic) pose
    res = recognize(record, [load_model(models[0], models[1]), load_model(models[2], models[3])])
    assert np.allclose(probs, [p for _, _, p in res.top(5)], atol=1e-4)
    import cv2
    cap = cv2.VideoCapture(out_video)
    assert int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) == 16


def test_demo_cli_errors(models, capsys):
    from demo.demo import main

    assert main([VIDEO, models[0]]) == 2
    assert 'CONFIG CHECKPOINT pairs' in capsys.readouterr().err
    assert main([VIDEO, models[0], '/nonexistent.pth']) == 2
    assert 'no such checkpoint' in capsys.readouterr().err
    assert main([VIDEO, *models, '--weights', '1']) == 2   # before any model is loaded
    assert capsys.readouterr().err == 'error: --weights: 1 weights given for 2 inputs\n'
