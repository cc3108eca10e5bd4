"""FastGeneratePoseTarget / PackPoseForHeatmap + render_batch against the oracle: mmaction2's own
GeneratePoseTarget, on real clips (bundled sample, real pipeline) and on randomized inputs."""
import copy
import random

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mmaction.datasets.transforms import (
    Flip,
    FormatShape,
    GeneratePoseTarget,
    PoseCompact,
    PoseDecode,
    RandomResizedCrop,
    Resize,
    UniformSampleFrames,
)

from mg_posec3d.datasets.transforms import FastGeneratePoseTarget, PackPoseForHeatmap
from mg_posec3d.heatmaps.render import render_batch
from mg_posec3d.layouts import MIGA22
from tests.conftest import SAMPLE

# required: 1e-4. We follow upstream's float32 arithmetic op by op, so the only differences are exp()
# rounding (~2e-7); the tests hold us to 2e-6, which also makes a wrong score threshold visible.
TOL = 2e-6
LEFT_LIMB, RIGHT_LIMB = MIGA22.limb_flip()
MODES = {
    'joint': dict(with_kp=True, with_limb=False),
    'limb': dict(with_kp=False, with_limb=True, skeletons=MIGA22.limbs),
    'both': dict(with_kp=True, with_limb=True, skeletons=MIGA22.limbs),
    'joint_double': dict(with_kp=True, double=True, left_kp=MIGA22.left, right_kp=MIGA22.right),
    'limb_double': dict(with_kp=False, with_limb=True, skeletons=MIGA22.limbs, double=True,
                        left_limb=LEFT_LIMB, right_limb=RIGHT_LIMB),
    'joint_noscore_scaled': dict(with_kp=True, use_score=False, scaling=0.75, sigma=1.0),
}


@pytest.fixture(scope='module')
def real_clips():
    """4 real clips through the train pipeline (48 frames, crop, flip) and 2 through the val pipeline
    (2 clips x 24 frames, 64x64), frozen just before the heatmap step."""
    from mg_posec3d.fileio import safe_load_pickle

    anns = safe_load_pickle(SAMPLE)['annotations']
    train = [UniformSampleFrames(clip_len=48), PoseDecode(), PoseCompact(hw_ratio=1., allow_imgpad=True),
             Resize(scale=(-1, 64)), RandomResizedCrop(area_range=(0.56, 1.0)),
             Resize(scale=(56, 56), keep_ratio=False), Flip(flip_ratio=0.5, left_kp=MIGA22.left,
                                                            right_kp=MIGA22.right)]
    val = [UniformSampleFrames(clip_len=24, num_clips=2, test_mode=True), PoseDecode(),
           PoseCompact(hw_ratio=1., allow_imgpad=True), Resize(scale=(64, 64), keep_ratio=False)]
    out = []
    for i, (ann, pipe) in enumerate(zip([anns[0], anns[200], anns[400], anns[700], anns[50], anns[600]],
                                        [train] * 4 + [val] * 2)):
        np.random.seed(i)
        random.seed(i)  # RandomResizedCrop draws from Python's random
        r = dict(copy.deepcopy(ann), start_index=0, modality='Pose')
        for t in pipe:
            r = t(r)
        out.append(r)
    return out


@pytest.mark.parametrize('mode', sorted(MODES))
def test_transform_matches_mmaction2_on_real_clips(real_clips, mode):
    args = MODES[mode]
    for r in real_clips:
        ref = GeneratePoseTarget(**args)(copy.deepcopy(r))['imgs']
        ours = FastGeneratePoseTarget(**args)(copy.deepcopy(r))['imgs']
        assert ours.shape == ref.shape and ours.dtype == ref.dtype == np.float32
        assert ref.max() > 0.5  # something was drawn
        assert np.abs(ours - ref).max() <= TOL


@pytest.mark.parametrize('mode', ['joint_double', 'limb_double', 'joint_noscore_scaled'])
@pytest.mark.parametrize('backend', ['numpy', 'torch'])
def test_packed_render_matches_mmaction2_formatted(real_clips, mode, backend):
    """PackPoseForHeatmap + FormatShape + render_batch == GeneratePoseTarget + FormatShape (multi-clip)."""
    args = MODES[mode]
    fmt = FormatShape(input_format='NCTHW_Heatmap')
    for r in real_clips[3:]:
        ref = fmt(GeneratePoseTarget(**args)(copy.deepcopy(r)))['imgs']
        packed = fmt(PackPoseForHeatmap(**args)(copy.deepcopy(r)))
        out = render_batch(torch.from_numpy(packed['imgs'])[None], packed['heatmap_cfg'], backend)
        assert out.shape == (1, ) + ref.shape
        assert (out[0].numpy() - ref).__abs__().max() <= TOL


def test_flipped_limb_lists_follow_the_joint_flip():
    # hand-checked on MIGA22: (1, 2) <-> (1, 5), (2, 3) <-> (5, 6), (0, 8) <-> (0, 9), (4, 12) <-> (7, 17)
    pairs = dict(zip(LEFT_LIMB, RIGHT_LIMB))
    limbs = MIGA22.limbs
    for a, b in [((1, 2), (1, 5)), ((2, 3), (5, 6)), ((0, 8), (0, 9)), ((4, 12), (7, 17))]:
        assert pairs[limbs.index(a)] == limbs.index(b)
    assert limbs.index((0, 1)) not in set(LEFT_LIMB) | set(RIGHT_LIMB)  # the midline limb maps to itself
    assert len(LEFT_LIMB) == 10


def test_output_key_and_errors():
    kp = np.array([[[[3., 4.], [np.nan, 1.]]]], np.float32)  # [1, 1, 2, 2]
    score = np.array([[[1., 0.]]], np.float32)
    res = FastGeneratePoseTarget(with_kp=True)(dict(keypoint=kp, keypoint_score=score, img_shape=(8, 8),
                                                    imgs=np.zeros(1)))
    ref = GeneratePoseTarget(with_kp=True)(dict(keypoint=kp, keypoint_score=score, img_shape=(8, 8),
                                                imgs=np.zeros(1)))
    assert 'heatmap_imgs' in res and np.abs(res['heatmap_imgs'] - ref['heatmap_imgs']).max() <= TOL
    with pytest.raises(ValueError, match='clipX.*keypoint'):  # NaN at a drawn point (upstream: int(nan))
        FastGeneratePoseTarget()(dict(keypoint=kp, keypoint_score=np.ones((1, 1, 2), np.float32),
                                      img_shape=(8, 8), frame_dir='clipX'))
    with pytest.raises(ValueError, match='with_kp'):
        FastGeneratePoseTarget(with_kp=False, with_limb=False)


def test_overlapping_flip_lists_fall_back_to_upstream_copy():
    """Flip lists that are no permutation (overlapping left/right) give upstream's odd channel map."""
    rng = np.random.default_rng(0)
    kp = rng.uniform(0, 12, (1, 3, 4, 2)).astype(np.float32)
    args = dict(with_kp=True, double=True, left_kp=(0, 1), right_kp=(1, 2))
    results = dict(keypoint=kp, keypoint_score=np.ones((1, 3, 4), np.float32), img_shape=(12, 12))
    ref = GeneratePoseTarget(**args)(dict(results))['imgs']
    assert np.abs(FastGeneratePoseTarget(**args)(dict(results))['imgs'] - ref).max() <= TOL


# ---------------------------------------------------------------------------------------------------------
# randomized inputs (hypothesis)
# ---------------------------------------------------------------------------------------------------------
_coord = st.one_of(st.floats(-6, 30, width=32), st.integers(-6, 30).map(float),
                   st.integers(-24, 120).map(lambda k: k / 4))  # exact quarter pixels hit box edges
# around upstream's skip threshold (score < 1e-4): float32(1e-4) is just below it, its successor just above
_score = st.one_of(st.sampled_from([0., 1e-4, float(np.nextafter(np.float32(1e-4), np.float32(1))), 1.]),
                   st.floats(0, 1, width=32))


@st.composite
def _case(draw):
    m, t, v = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(2, 5))
    h, w = draw(st.integers(1, 24)), draw(st.integers(1, 24))
    kp = np.array(draw(st.lists(_coord, min_size=m * t * v * 2, max_size=m * t * v * 2)), np.float32)
    score = np.array(draw(st.lists(_score, min_size=m * t * v, max_size=m * t * v)), np.float32)
    with_kp = draw(st.booleans())
    with_limb = draw(st.booleans()) or not with_kp
    skel = draw(st.lists(st.tuples(st.integers(0, v - 1), st.integers(0, v - 1)), min_size=1, max_size=5))
    order = draw(st.permutations(range(v if with_kp else len(skel))))
    half = len(order) // 2
    left, right = order[:half], order[half:2 * half]
    flips = dict(left_kp=left, right_kp=right) if with_kp else dict(left_limb=left, right_limb=right)
    args = dict(sigma=draw(st.floats(0.25, 1.6)), use_score=draw(st.booleans()), with_kp=with_kp,
                with_limb=with_limb, skeletons=skel, double=draw(st.booleans()),
                scaling=draw(st.sampled_from([1., 1., 0.5, 0.3, 1.7])), **flips)
    results = dict(keypoint=kp.reshape(m, t, v, 2), keypoint_score=score.reshape(m, t, v), img_shape=(h, w))
    return args, results


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_case())
def test_transform_matches_mmaction2_random(case):
    args, results = case
    ref = GeneratePoseTarget(**args)(copy.deepcopy(results))['imgs']
    ours = FastGeneratePoseTarget(**args)(copy.deepcopy(results))['imgs']
    assert ours.shape == ref.shape and ours.dtype == np.float32
    if ref.size:
        assert np.abs(ours - ref).max() <= TOL


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_case(), st.sampled_from(['numpy', 'torch']))
def test_packed_render_matches_mmaction2_random(case, backend):
    args, results = case
    ref = GeneratePoseTarget(**args)(copy.deepcopy(results))['imgs']  # [copies * T, C, H, W]
    packed = PackPoseForHeatmap(**args)(copy.deepcopy(results))
    kp = torch.from_numpy(packed['imgs']).permute(1, 0, 2, 3)[None, None]  # [1, 1, M, T, V, 3]
    out = render_batch(kp, packed['heatmap_cfg'], backend)[0]  # [copies, C, T, H, W]
    copies, t = out.shape[0], out.shape[2]
    ref = ref.reshape((copies, t) + ref.shape[1:]).transpose(0, 2, 1, 3, 4)
    assert tuple(out.shape) == ref.shape
    if ref.size:
        assert np.abs(out.numpy() - ref).max() <= TOL
