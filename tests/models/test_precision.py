"""bf16 / channels-last inference switch for recognizers (mg_posec3d.models.precision)."""
import pytest
import torch
from mmaction.registry import MODELS
from mmengine.runner.amp import autocast as mmengine_autocast

from mg_posec3d.models.precision import autocast, check_precision, set_precision


def _model():
    torch.manual_seed(0)
    return MODELS.build(dict(
        type='Recognizer3D',
        backbone=dict(type='ResNet3dSlowOnly', depth=50, pretrained=None, in_channels=4, base_channels=8,
                      num_stages=2, out_indices=(1, ), stage_blocks=(1, 1), conv1_stride_s=1,
                      pool1_stride_s=1, inflate=(0, 1), spatial_strides=(2, 2), temporal_strides=(1, 2),
                      dilations=(1, 1)),
        cls_head=dict(type='I3DHead', in_channels=64, num_classes=5, average_clips='prob'),
        data_preprocessor=dict(type='ActionDataPreprocessor', format_shape='NCTHW'))).eval()


def _conv_output_dtypes(model):
    seen = []
    model.backbone.conv1.conv.register_forward_hook(lambda m, inp, out: seen.append(out.dtype))
    return seen


@torch.no_grad()
def test_bf16_runs_the_backbone_in_bf16_and_returns_float32():
    x = torch.rand(2, 4, 8, 16, 16)
    model = _model()
    ref = model.cls_head(model.backbone(x))
    seen = _conv_output_dtypes(model)
    set_precision(model, 'bf16')
    # mmengine's test loop wraps test_step in autocast(enabled=False); our inner context must still win
    with mmengine_autocast(enabled=False):
        feat = model.backbone(x)
    out = model.cls_head(feat)
    assert seen == [torch.bfloat16] and feat.dtype == torch.float32 and out.dtype == torch.float32
    assert not torch.equal(out, ref)  # really ran in bf16
    assert torch.allclose(out, ref, atol=5e-2, rtol=5e-2)
    set_precision(model, 'fp32')  # restores the original forward
    seen.clear()
    assert torch.equal(model.cls_head(model.backbone(x)), ref) and seen == [torch.float32]


@torch.no_grad()
def test_channels_last_fp32_is_numerically_the_same():
    x = torch.rand(2, 4, 8, 16, 16)
    model = _model()
    ref = model.cls_head(model.backbone(x))
    set_precision(model, 'fp32', channels_last=True)
    assert model.backbone.conv1.conv.weight.is_contiguous(memory_format=torch.channels_last_3d)
    assert torch.allclose(model.cls_head(model.backbone(x)), ref, atol=1e-5)


def test_predict_path_and_validation():
    model = set_precision(_model(), 'bf16', channels_last=True)
    data = dict(inputs=[torch.rand(1, 4, 8, 16, 16)], data_samples=None)
    from mmaction.structures import ActionDataSample
    data['data_samples'] = [ActionDataSample()]
    pred = model.test_step(data)[0]
    assert pred.pred_score.dtype == torch.float32 and abs(float(pred.pred_score.sum()) - 1) < 1e-4
    with pytest.raises(ValueError, match='precision'):
        check_precision('fp16')
    with autocast('bf16'):
        assert torch.is_autocast_enabled('cpu') and torch.get_autocast_dtype('cpu') == torch.bfloat16
    with autocast('fp32'):
        assert not torch.is_autocast_enabled('cpu')
