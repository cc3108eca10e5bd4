"""tools/analysis/benchmark.py runs end to end on tiny settings and reports consistent figures (no timing asserts:
speed is what the tool measures, not what tests check)."""
import importlib.util
import json

import pytest

from tests.conftest import tool_path


@pytest.fixture(scope='module')
def benchmark():
    spec = importlib.util.spec_from_file_location('benchmark', tool_path('benchmark'))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_benchmark_tiny_run_writes_consistent_json(benchmark, tmp_path, capsys, monkeypatch):
    # a one-stage SlowOnly keeps the model sections fast; the real PoseC3D backbone is the default
    monkeypatch.setattr(benchmark, 'BACKBONE', dict(benchmark.BACKBONE, base_channels=8, num_stages=1,
                                                    out_indices=(0, ), stage_blocks=(1, ), inflate=(1, ),
                                                    spatial_strides=(2, ), temporal_strides=(1, ),
                                                    dilations=(1, )))
    monkeypatch.setattr(benchmark, 'HEAD_CHANNELS', 32)
    out = tmp_path / 'bench.json'
    assert benchmark.main(['--sections', 'abc', '--clips', '1', '--repeats', '1', '--sizes', '32',
                           '--clip-len', '4', '--batch', '1', '--test-clips', '1', '--json', str(out)]) == 0
    res = json.loads(out.read_text())
    for kind in ('joint', 'limb'):
        r = res['render']['4x32x32'][kind]
        assert r['speedup_render'] == pytest.approx(r['mmaction2_render'] / r['fast_render'])
        assert r['speedup_pipeline'] == pytest.approx(r['mmaction2_pipeline'] / r['fast_pipeline'])
        assert min(r.values()) > 0
    assert set(res['model']) == {'fp32', 'bf16', 'fp32_cl', 'bf16_cl'}
    assert res['model']['fp32']['forward_vs_fp32'] == 1 and res['model']['bf16']['train_step'] > 0
    t = res['test_time']
    assert t['views'] == 2 and t['total_fast_bf16'] == pytest.approx(t['pipeline_fast'] + t['model_bf16'])
    table = capsys.readouterr().out
    assert '| 4x32x32 | limb |' in table and 'Test-time cost per sample' in table


def test_render_args_are_mmaction2_arguments(benchmark):
    from mmaction.datasets.transforms import GeneratePoseTarget

    assert benchmark.BACKBONE['stage_blocks'] == (4, 6, 3) and benchmark.BACKBONE['base_channels'] == 32
    for kind in ('joint', 'limb'):
        gen = GeneratePoseTarget(**benchmark.render_args(kind, double=True))
        assert gen.double and gen.with_limb == (kind == 'limb')
