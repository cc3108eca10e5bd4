"""HeatmapDataPreprocessor (on-device rendering) against mmaction2's pipeline rendering + its
ActionDataPreprocessor, including test-time multi-clip + flip views through Recognizer3D."""
import copy

import numpy as np
import pytest
import torch
from mmaction.datasets.transforms import (
    FormatShape,
    GeneratePoseTarget,
    PackActionInputs,
    PoseCompact,
    PoseDecode,
    Resize,
    UniformSampleFrames,
)
from mmaction.registry import MODELS
from mmengine.dataset import Compose, pseudo_collate

from mg_posec3d.datasets.transforms import PackPoseForHeatmap
from mg_posec3d.layouts import MIGA22
from mg_posec3d.models.heatmap_preprocessor import HeatmapDataPreprocessor, stack_keypoints
from tests.conftest import SAMPLE

TOL = 1e-4
LEFT_LIMB, RIGHT_LIMB = MIGA22.limb_flip()
JOINT = dict(with_kp=True, double=True, left_kp=MIGA22.left, right_kp=MIGA22.right)
LIMB = dict(with_kp=False, with_limb=True, skeletons=MIGA22.limbs, double=True, left_limb=LEFT_LIMB,
            right_limb=RIGHT_LIMB)


def _pipeline(gen, num_clips=2, clip_len=12, size=32):
    meta = ('img_shape', 'heatmap_cfg') if isinstance(gen, PackPoseForHeatmap) else ('img_shape', )
    return Compose([UniformSampleFrames(clip_len=clip_len, num_clips=num_clips, test_mode=True), PoseDecode(),
                    PoseCompact(hw_ratio=1., allow_imgpad=True), Resize(scale=(size, size), keep_ratio=False),
                    gen, FormatShape(input_format='NCTHW_Heatmap'), PackActionInputs(meta_keys=meta)])


@pytest.fixture(scope='module')
def anns():
    """Three real clips; the third is given a second person (the first clip's skeleton, shifted), a
    generated two-person sample made from real skeletons, so a batch needs person padding."""
    from mg_posec3d.fileio import safe_load_pickle

    data = safe_load_pickle(SAMPLE)['annotations']
    a, b, c = (dict(copy.deepcopy(data[i]), start_index=0, modality='Pose') for i in (0, 300, 600))
    t = min(a['total_frames'], c['total_frames'])
    other = a['keypoint'][:, :t] + np.float16(20)
    c['keypoint'] = np.concatenate([c['keypoint'][:, :t], other])
    c['keypoint_score'] = np.concatenate([c['keypoint_score'][:, :t], a['keypoint_score'][:, :t]])
    c['total_frames'] = t
    return [a, b, c]


def _batches(anns, args, **kw):
    ref = [_pipeline(GeneratePoseTarget(**args), **kw)(copy.deepcopy(x)) for x in anns]
    ours = [_pipeline(PackPoseForHeatmap(**args), **kw)(copy.deepcopy(x)) for x in anns]
    return pseudo_collate(ref), pseudo_collate(ours)


@pytest.mark.parametrize('args', [JOINT, LIMB], ids=['joint', 'limb'])
@pytest.mark.parametrize('backend', ['auto', 'torch'])
def test_renders_what_the_pipeline_renders(anns, args, backend):
    ref, ours = _batches(anns, args)
    assert ours['inputs'][2].shape[1] == 2 and ours['inputs'][0].shape[1] == 1  # persons differ
    expected = MODELS.build(dict(type='ActionDataPreprocessor', format_shape='NCTHW'))(ref)['inputs']
    got = HeatmapDataPreprocessor(backend=backend)(ours)['inputs']
    assert got.shape == expected.shape == (3, 4, 22 if args['with_kp'] else 21, 12, 32, 32)  # 2 clips x flip
    assert got.dtype == torch.float32
    assert (got - expected).abs().max().item() <= TOL


def test_heatmap_inputs_pass_through(anns):
    ref, _ = _batches(anns[:2], JOINT)
    expected = MODELS.build(dict(type='ActionDataPreprocessor', format_shape='NCTHW'))(copy.deepcopy(ref))
    got = HeatmapDataPreprocessor()(ref)
    assert torch.equal(got['inputs'], expected['inputs'])


def test_mixed_batches_and_bad_inputs_are_refused(anns):
    _, a = _batches(anns[:1], JOINT)
    _, b = _batches(anns[1:2], LIMB)
    mixed = dict(inputs=a['inputs'] + b['inputs'], data_samples=a['data_samples'] + b['data_samples'])
    with pytest.raises(ValueError, match='heatmap_cfg'):
        HeatmapDataPreprocessor()(mixed)
    with pytest.raises(ValueError, match='num_clips, M, T, V, 3'):
        stack_keypoints([torch.zeros(2, 1, 12, 22, 3), torch.zeros(2, 1, 10, 22, 3)])
    with pytest.raises(ValueError, match='backend'):
        HeatmapDataPreprocessor(backend='cupy')


def test_stack_keypoints_pads_persons_with_zero_scores():
    x = stack_keypoints([torch.ones(1, 1, 2, 3, 3), torch.full((1, 3, 2, 3, 3), 2.)])
    assert x.shape == (2, 1, 3, 2, 3, 3)
    assert (x[0, :, 1:] == 0).all() and (x[0, :, :1] == 1).all() and (x[1] == 2).all()


def _tiny_recognizer(preprocessor: dict):
    torch.manual_seed(0)
    return MODELS.build(dict(
        type='Recognizer3D',
        backbone=dict(type='ResNet3dSlowOnly', depth=50, pretrained=None, in_channels=22, base_channels=8,
                      num_stages=1, out_indices=(0, ), stage_blocks=(1, ), conv1_stride_s=1,
                      pool1_stride_s=1, inflate=(1, ), spatial_strides=(2, ), temporal_strides=(1, ),
                      dilations=(1, )),
        cls_head=dict(type='I3DHead', in_channels=32, num_classes=3, average_clips='prob'),
        data_preprocessor=preprocessor)).eval()


def test_recognizer_multi_clip_flip_test_and_train_step(anns):
    """Recognizer3D folds the [B, clips x flip, C, T, H, W] views into its batch and averages them per
    sample: same scores as with mmaction2's pipeline rendering; a train step runs on packed keypoints."""
    ref, ours = _batches(anns, JOINT)
    expected = _tiny_recognizer(dict(type='ActionDataPreprocessor', format_shape='NCTHW')).test_step(ref)
    model = _tiny_recognizer(dict(type='HeatmapDataPreprocessor'))
    got = model.test_step(ours)
    for e, g in zip(expected, got):
        assert torch.allclose(e.pred_score, g.pred_score, atol=1e-5)
    assert got[0].pred_score.shape == (3, )

    train = _pipeline(PackPoseForHeatmap(with_kp=True), num_clips=1)
    data = pseudo_collate([train(copy.deepcopy(a)) for a in anns])
    for d, a in zip(data['data_samples'], anns):
        d.set_gt_label(int(a['label']))
    model.train()
    losses = model.loss(**model.data_preprocessor(data, training=True))
    assert torch.isfinite(losses['loss_cls'])
