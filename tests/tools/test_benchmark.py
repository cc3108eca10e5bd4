"""tools/analysis/benchmark.py runs end to end on tiny settings and reports consistent figures (no timing asserts:
speed is what the tool measures, not what tests check)."""
import importlib.util
import json

import pytest
import torch

from tests.conftest import tool_path


@pytest.fixture(scope='module')
def benchmark():
    spec = importlib.util.spec_from_file_location('benchmark', tool_path('benchmark'))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_benchmark_tiny_run_writes_consistent_json(benchmark, tmp_path, capsys, monkeypatch):
    _tiny_models(benchmark, monkeypatch)
    out = tmp_path / 'bench.json'
    assert benchmark.main(['--sections', 'abcf', '--clips', '1', '--repeats', '1', '--sizes', '32',
                           '--clip-len', '4', '--batch', '1', '--demo-batch', '2', '--test-clips', '1',
                           '--json', str(out)]) == 0
    res = json.loads(out.read_text())
    for kind in ('joint', 'limb'):
        r = res['render']['4x32x32'][kind]
        assert r['speedup_render'] == pytest.approx(r['mmaction2_render'] / r['fast_render'])
        assert r['speedup_pipeline'] == pytest.approx(r['mmaction2_pipeline'] / r['fast_pipeline'])
        assert min(r.values()) > 0
    for key in ('model', 'model_demo'):
        assert set(res[key]) == {'fp32', 'bf16', 'fp32_cl', 'bf16_cl'}
        m = res[key]
        assert m['fp32']['forward_vs_fp32'] == 1
        assert m['bf16_cl']['train_step_vs_fp32'] == pytest.approx(m['bf16_cl']['train_step'] / m['fp32']['train_step'])
    assert res['model_demo_input'] == 'batch 2 x 22 x 16 x 24 x 24'
    t = res['test_time']
    assert t['views'] == 2 and t['total_fast_bf16'] == pytest.approx(t['pipeline_fast'] + t['model_bf16'])
    for name, shape in (('paper', 'batch 1 x 22 x 48 x 64 x 64'), ('demo', 'batch 2 x 22 x 16 x 24 x 24')):
        f = res['frozen'][name]
        assert f['input'] == shape and f['speedup_frozen'] == pytest.approx(f['eager'] / f['frozen'])
        assert f['speedup_bf16'] == pytest.approx(f['eager'] / f['bf16'])
        assert f['max_abs_diff'] < 1e-3  # frozen and eager logits agree
    table = capsys.readouterr().out
    assert 'eager vs frozen by TorchScript vs bf16' in table
    assert '| 4x32x32 | limb |' in table and 'Test-time cost per sample' in table
    assert '| demo model, batch 2 x 22 x 16 x 24 x 24 | fp32 |' in table and '|  | bf16_cl |' in table


def _tiny_models(benchmark, monkeypatch):
    # a one-stage SlowOnly keeps the model sections fast; the real PoseC3D backbones are the defaults
    tiny = dict(benchmark.BACKBONE, base_channels=8, num_stages=1, out_indices=(0, ), stage_blocks=(1, ),
                inflate=(1, ), spatial_strides=(2, ), temporal_strides=(1, ), dilations=(1, ))
    for name in ('BACKBONE', 'DEMO_BACKBONE'):
        monkeypatch.setattr(benchmark, name, tiny)
    for name in ('HEAD_CHANNELS', 'DEMO_HEAD_CHANNELS'):
        monkeypatch.setattr(benchmark, name, 32)


def test_training_variants_are_what_train_py_runs(benchmark):
    """Section b's variants come from plan_training (bf16 forced even where emulated), and the model / optimizer
    wrapper are set up as a training run sets them up: the backbone wrapped, in channels-last-3d for _cl, the
    paper's SGD settings from its schedule config."""
    from mg_posec3d.models.precision import plan_training

    plans = benchmark.training_plans('cpu')
    assert plans == {'fp32': plan_training('fp32', cuda=False), 'bf16': plan_training(
        'bf16', allow_emulated_bf16=True, cuda=False), 'fp32_cl': plan_training('fp32', True, cuda=False),
        'bf16_cl': plan_training('bf16', True, allow_emulated_bf16=True, cuda=False)}
    model, wrapper = benchmark.training_setup(plans['bf16_cl'], 'cpu', **benchmark.demo_model_kw())
    conv = model.backbone.conv1.conv.weight
    assert conv.is_contiguous(memory_format=torch.channels_last_3d) and not conv.is_contiguous()
    assert '_mg_orig_forward' in model.backbone.__dict__  # the bf16 autocast wrapper of set_precision
    out = model.backbone(torch.rand(1, 22, 16, 24, 24))
    assert out.shape == (1, benchmark.DEMO_HEAD_CHANNELS, 8, 3, 3) and out.dtype == torch.float32  # for the head
    assert torch.equal(out, out.bfloat16().float())  # computed in bf16 (every value a bf16 number)
    assert type(wrapper).__name__ == 'OptimWrapper'
    group = wrapper.optimizer.param_groups[0]
    assert (group['momentum'], group['weight_decay']) == (0.9, 0.0003)  # configs/_base_/schedules
    fp32, _ = benchmark.training_setup(plans['fp32'], 'cpu', **benchmark.demo_model_kw())
    assert fp32.backbone.conv1.conv.weight.is_contiguous() and '_mg_orig_forward' not in fp32.backbone.__dict__


def test_render_args_are_mmaction2_arguments(benchmark):
    from mmaction.datasets.transforms import GeneratePoseTarget

    assert benchmark.BACKBONE['stage_blocks'] == (4, 6, 3) and benchmark.BACKBONE['base_channels'] == 32
    for kind in ('joint', 'limb'):
        gen = GeneratePoseTarget(**benchmark.render_args(kind, double=True))
        assert gen.double and gen.with_limb == (kind == 'limb')


@pytest.mark.slow
def test_compile_section_reports_eager_vs_compiled(benchmark, tmp_path, monkeypatch):
    """Section e compiles a (tiny) demo backbone with inductor and reports the speed-up it measured and the
    compile time; the compiled model computes what the eager one does (same weights, same input)."""
    _tiny_models(benchmark, monkeypatch)
    out = tmp_path / 'bench.json'
    assert benchmark.main(['--sections', 'e', '--clips', '1', '--repeats', '1', '--demo-batch', '2',
                           '--json', str(out)]) == 0
    c = json.loads(out.read_text())['compile']
    assert c['input'] == 'batch 2 x 22 x 16 x 24 x 24'
    for step in ('forward', 'train_step'):
        r = c[step]
        assert r['speedup'] == pytest.approx(r['eager'] / r['compiled']) and r['compile_s'] > 0
    from mg_posec3d.models.precision import plan_training

    model = plan_training('fp32', channels_last=True, cuda=False).apply(
        benchmark.build_model(**benchmark.demo_model_kw()).eval())
    x = torch.rand(2, 22, 16, 24, 24)
    torch._dynamo.reset()
    threads = torch.get_num_threads()
    # one thread, as the section runs on the CPU (with 2, torch 2.13's inductor failed for this tiny backbone)
    torch.set_num_threads(1)
    try:
        with torch.no_grad():
            eager = model.backbone(x)
            compiled = torch.compile(model.backbone)(x)
    finally:
        torch.set_num_threads(threads)
    assert torch.allclose(eager, compiled, atol=1e-5)


@pytest.mark.parametrize('gpu_bf16, expected', [
    (True, {'fp32', 'bf16', 'amp', 'fp32_cl', 'bf16_cl', 'amp_cl'}),
    (False, {'fp32', 'amp', 'fp32_cl', 'amp_cl'}),  # plan_training turns bf16 into AMP there: measured once
])
def test_cuda_variants_add_amp_and_drop_bf16_where_the_gpu_lacks_it(benchmark, monkeypatch, gpu_bf16, expected):
    from mg_posec3d.models import precision

    monkeypatch.setattr(precision, 'bf16_supported', lambda device='cpu', cpuinfo=None: gpu_bf16)
    plans = benchmark.training_plans('cuda')
    assert set(plans) == expected
    assert all(p.device == 'cuda' and p.channels_last == k.endswith('_cl') for k, p in plans.items())


def test_unknown_section_is_one_error_line(benchmark, capsys, tmp_path):
    out = tmp_path / 'bench.json'
    assert benchmark.main(['--sections', 'bx', '--json', str(out)]) == 2
    assert capsys.readouterr().err.strip() == 'error: --sections bx: unknown section x (sections are a-f)'
    assert not out.exists()


def test_demo_model_of_the_benchmark_is_the_demo_config(benchmark):
    """The benchmark's 'demo model' rows must measure what configs/demo/joint.py trains."""
    from mmengine.config import Config

    from tests.conftest import REPO

    cfg = Config.fromfile(f'{REPO}/configs/demo/joint.py')
    def plain(v):
        return tuple(v) if isinstance(v, (list, tuple)) else v

    for key, value in benchmark.DEMO_BACKBONE.items():
        assert plain(cfg.model.backbone[key]) == plain(value), key
    assert cfg.model.cls_head.in_channels == benchmark.DEMO_HEAD_CHANNELS
    pipeline = cfg.train_dataloader.dataset.pipeline
    assert pipeline[0]['clip_len'] == benchmark.DEMO_INPUT['clip_len']
    assert next(t for t in pipeline if t['type'] == 'Resize')['scale'] == (benchmark.DEMO_INPUT['size'], ) * 2
    assert cfg.train_dataloader.batch_size == benchmark.DEMO_INPUT['batch']
