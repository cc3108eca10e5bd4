"""bf16 / channels-last inference switch for recognizers (mg_posec3d.models.precision)."""
import pytest
import torch
from mmaction.registry import MODELS
from mmengine.runner.amp import autocast as mmengine_autocast

from mg_posec3d.models.precision import autocast, check_precision, set_precision


def tiny_recognizer():
    """A 2-stage SlowOnly recognizer with 4 input channels and 5 classes, seeded, in eval mode."""
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
    model = tiny_recognizer()
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
    model = tiny_recognizer()
    ref = model.cls_head(model.backbone(x))
    set_precision(model, 'fp32', channels_last=True)
    assert model.backbone.conv1.conv.weight.is_contiguous(memory_format=torch.channels_last_3d)
    assert torch.allclose(model.cls_head(model.backbone(x)), ref, atol=1e-5)


def test_predict_path_and_validation():
    model = set_precision(tiny_recognizer(), 'bf16', channels_last=True)
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


def test_channels_last_leaves_2d_and_graph_models_alone():
    """channels-last-3d is 5-D only: a 2-D backbone keeps its format and still runs (TSN, ST-GCN, image CNNs)."""
    from mg_posec3d.models.precision import plan_training

    model = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.ReLU())
    plan_training('fp32', channels_last=True, cuda=False).apply(model)
    assert model(torch.rand(1, 3, 8, 8)).shape == (1, 4, 6, 6)
    assert model[0].weight.is_contiguous()
def _cpuinfo(tmp_path, flags):
    path = tmp_path / 'cpuinfo'
    path.write_text(f'processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: {flags}\n\nprocessor\t: 1\n')
    return str(path)


def test_native_bf16_is_read_from_the_cpu_flags_not_from_onednn(tmp_path):
    """This session's CPU: AVX512 with avx512_vnni/bw (oneDNN says bf16 works: emulated) but no avx512_bf16."""
    from mg_posec3d.models.precision import bf16_supported

    assert not bf16_supported('cpu', _cpuinfo(tmp_path, 'fpu sse avx2 avx512f avx512bw avx512_vnni'))
    assert bf16_supported('cpu', _cpuinfo(tmp_path, 'fpu avx512f avx512_bf16'))
    assert bf16_supported('cpu', _cpuinfo(tmp_path, 'fpu amx_tile amx_bf16 amx_int8'))
    arm = tmp_path / 'arm'
    arm.write_text('processor\t: 0\nFeatures\t: fp asimd sve bf16 i8mm\n')
    assert bf16_supported('cpu', str(arm))
    assert not bf16_supported('cpu', str(tmp_path / 'missing'))


@pytest.mark.parametrize('asked, cuda, native, allow, run, notice', [
    ('fp32', False, False, False, 'fp32', None),
    ('auto', False, True, False, 'bf16', None),
    ('auto', False, False, False, 'fp32', 'precision auto: fp32, this CPU has no native bf16'),
    ('auto', True, True, False, 'amp', None),
    ('bf16', False, True, False, 'bf16', None),
    ('bf16', False, False, False, 'fp32', 'training runs in fp32 (--allow-emulated-bf16 forces bf16)'),
    ('bf16', False, False, True, 'bf16', 'running it emulated as asked'),
    ('bf16', True, False, False, 'amp', 'this GPU has no bf16 support'),
    ('amp', False, False, False, 'fp32', 'AMP (fp16) needs a CUDA GPU'),
    ('amp', True, True, False, 'amp', None),
])
def test_plan_training_falls_back_with_one_line_notices(asked, cuda, native, allow, run, notice):
    from mg_posec3d.models.precision import plan_training

    plan = plan_training(asked, True, allow, cuda=cuda, native_bf16=native)
    assert plan.precision == run and plan.device == ('cuda' if cuda else 'cpu') and plan.channels_last
    assert (plan.notice is None) == (notice is None)
    if notice:
        assert notice in plan.notice and '\n' not in plan.notice
    with pytest.raises(ValueError, match='precision must be one of'):
        plan_training('fp16')


def test_gpu_plans_configure_mmengine_amp():
    from mmengine.config import ConfigDict

    from mg_posec3d.models.precision import plan_training

    for asked, dtype in (('amp', None), ('bf16', 'bfloat16')):
        cfg = ConfigDict(optim_wrapper=dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=0.1)))
        plan_training(asked, cuda=True, native_bf16=True).configure(cfg)
        assert cfg.optim_wrapper.type == 'AmpOptimWrapper' and cfg.optim_wrapper.get('dtype') == dtype
    cfg = ConfigDict(optim_wrapper=dict(type='OptimWrapper'))
    plan_training('bf16', cuda=False, native_bf16=True).configure(cfg)
    assert cfg.optim_wrapper.type == 'OptimWrapper'  # CPU bf16 is applied to the model, not the wrapper


def test_cpu_bf16_train_step_keeps_params_grads_optimizer_state_and_loss_in_fp32():
    from mg_posec3d.models.precision import plan_training

    model = tiny_recognizer().train()
    plan_training('bf16', channels_last=True, allow_emulated_bf16=True, cuda=False).apply(model)
    seen = _conv_output_dtypes(model)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    x, y = torch.rand(2, 4, 8, 16, 16), torch.tensor([0, 3])
    loss = torch.nn.functional.cross_entropy(model.cls_head(model.backbone(x)), y)
    loss.backward()
    opt.step()
    assert seen == [torch.bfloat16] and loss.dtype == torch.float32
    assert all(p.dtype == torch.float32 and p.grad.dtype == torch.float32 for p in model.parameters())
    assert all(s['momentum_buffer'].dtype == torch.float32 for s in opt.state.values())
    assert model.backbone.conv1.conv.weight.is_contiguous(memory_format=torch.channels_last_3d)


def test_fp32_channels_last_training_step_matches_contiguous():
    """Same weights, same batch: one SGD step in channels-last-3d gives the same parameters (float tolerance)."""
    from mg_posec3d.models.precision import plan_training

    x, y = torch.rand(2, 4, 8, 16, 16), torch.tensor([1, 2])
    params = []
    for cl in (False, True):
        model = plan_training('fp32', channels_last=cl, cuda=False).apply(tiny_recognizer().train())
        torch.manual_seed(1)  # the same dropout mask
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        torch.nn.functional.cross_entropy(model.cls_head(model.backbone(x)), y).backward()
        opt.step()
        params.append([p.detach().contiguous() for p in model.parameters()])
    for a, b in zip(*params):
        assert torch.allclose(a, b, atol=1e-5)
