"""Property tests: random shapes, scores, NaNs, empty persons and tiny/huge images either give a correct heatmap
volume through a real config pipeline, or a clear validation error naming the sample and field."""
import os

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mmengine.config import Config
from mmengine.dataset import Compose

from mg_posec3d.datasets.validation import validate_annotations
from mg_posec3d.layouts import get_source_layout, map_keypoints
from tests.conftest import REPO

_CFG = Config.fromfile(os.path.join(REPO, 'configs', 'demo', 'joint.py'))
_PIPELINE = Compose(_CFG.val_dataloader.dataset.pipeline)
_SIZE = next(t for t in _CFG.val_dataloader.dataset.pipeline if t['type'] == 'Resize')['scale']


@st.composite
def clips(draw):
    m = draw(st.integers(0, 3))
    t = draw(st.integers(0, 24))
    v = draw(st.sampled_from([22, 22, 22, 18]))
    h = draw(st.sampled_from([8, 64, 240, 1080, 4000]))
    w = draw(st.sampled_from([8, 64, 320, 1920, 6000]))
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 16)))
    kp = rng.uniform(-0.2, 1.2, (m, t, v, 2)).astype(np.float32) * [w, h]
    sc = rng.uniform(0, 1, (m, t, v)).astype(np.float32)
    if draw(st.booleans()):
        kp[rng.uniform(size=kp.shape) < 0.2] = np.nan
    if draw(st.booleans()):
        sc[rng.uniform(size=sc.shape) < 0.5] = 0
    if m and draw(st.booleans()):
        kp[draw(st.integers(0, m - 1))] = 0  # an empty person
    if draw(st.integers(0, 9)) == 0:
        kp[:] = 0  # nobody detected at all
    return dict(frame_dir='clip', label=draw(st.integers(-1, 3)), total_frames=t, img_shape=(h, w),
                keypoint=kp.astype(np.float32), keypoint_score=sc)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(clips())
def test_pipeline_output_is_correct_or_the_error_is_clear(ann):
    annos, report = validate_annotations({'split': {'s': ['clip']}, 'annotations': [ann]}, 'fixture.pkl',
                                         num_joints=22, num_classes=3, split='s')
    if not report.ok:
        text = report.format()
        assert text.startswith('fixture.pkl:') and "sample 'clip', field '" in text
        return
    item = dict(annos[0], start_index=0, modality='Pose', label_embedding=np.zeros(50, np.float32))
    out = _PIPELINE(item)['inputs'].numpy()
    assert out.shape == (1, 22, _CFG.clip_len, *_SIZE[::-1])
    assert np.isfinite(out).all() and out.min() >= 0 and out.max() <= 1


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(['openpose_body25_hands', 'reach_to_grasp50', 'miga_light_hand',
                        'openpose_body25_face_hands']),
       st.lists(st.integers(0, 4), min_size=0, max_size=3), st.integers(0, 3), st.booleans())
def test_converters_map_any_shape_or_refuse_clearly(source, lead, dv, with_nan):
    src = get_source_layout(source)
    v = src.num_joints + dv
    kp = np.random.default_rng(0).uniform(0, 100, tuple(lead) + (v, 2)).astype(np.float32)
    sc = np.ones(tuple(lead) + (v,), np.float32)
    if with_nan and kp.size:
        kp.flat[0] = np.nan
    if dv:
        try:
            map_keypoints(kp, sc, src)
        except ValueError as e:
            assert source in str(e) and str(src.num_joints) in str(e)
            return
        raise AssertionError('a wrong joint count was accepted')
    out_kp, out_sc = map_keypoints(kp, sc, src)
    assert out_kp.shape == tuple(lead) + (22, 2) and out_sc.shape == tuple(lead) + (22,)
    missing = [j for j, parts in enumerate(src.to_target) if not parts]
    assert (out_sc[..., missing] == 0).all()
