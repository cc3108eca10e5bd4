"""Side-by-side speed benchmark: heatmap rendering, model forward / train step, test-time cost.

  python tools/analysis/benchmark.py                    # CPU: sections a, b, c; markdown table on stdout
  python tools/analysis/benchmark.py --quick --json out.json
  python tools/analysis/benchmark.py --device cuda      # adds GPU rendering + training with real loading (d)
  python tools/analysis/benchmark.py --sections be --repeats 2   # training precision + torch.compile only
  python tools/analysis/benchmark.py --agreement        # bf16 vs fp32 top-1 agreement of a briefly trained model

--json and --save-checkpoint files that exist are refused before anything is measured, unless --overwrite.

Sections (each measured side by side in one run; ratios are what to compare on a shared machine):
  a  pose pipeline per clip on real clips (bundled sample), mmaction2 ``GeneratePoseTarget`` vs
     ``FastGeneratePoseTarget`` (and ``PackPoseForHeatmap``, which renders on the model's device), joint and
     limb, 48x56x56 (train pipeline) and 48x64x64 (val pipeline); torch pinned to 1 thread; CPU time of
     this thread, best of ``--repeats`` per clip (robust to other processes on the machine).
  b  training precision: forward and train step (fwd + bwd + optimizer step, ``Recognizer3D.train_step`` with
     the optimizer wrapper training builds) of the paper-size SlowOnly-R50 (configs/joint.py, batch ``--batch``
     x 22 x 48 x 56 x 56) and of the demo model (base_channels 8, stage_blocks (2, 2, 2), batch ``--demo-batch``
     x 22 x 16 x 24 x 24): fp32 vs bf16 (and AMP on CUDA), each with and without channels-last-3d, resolved by
     ``plan_training`` exactly as ``tools/train.py --precision`` does (bf16 forced even where it is emulated).
  c  test-time cost per sample: ``--test-clips`` clips x flip at 48x64x64, pipeline + model.
  d  (``--device cuda``) the same on the GPU, on-device rendering, and training throughput with real
     loading (DataLoader workers running each pipeline) vs synthetic input, in the precision training picks.
  e  torch.compile (inductor, default mode) of the demo backbone: eager vs compiled forward and train step, both
     channels-last-3d, and the compile time (wall time of the first call).
  f  (CPU) inference forward (eval, no grad) of the paper model at 48x64x64 (batch ``--batch``) and the demo
     model (batch ``--demo-batch``): fp32 eager, eager channels-last-3d, frozen by TorchScript
     (``mg_posec3d.models.frozen``, what tools/spot.py runs on a CPU in fp32), and bf16 (channels-last, what
     ``--precision bf16`` runs; native only with AVX512-BF16/AMX), with the largest output differences.
"""
from __future__ import annotations

import argparse
import copy
import json
import math
import os
import random
import sys
import time

import numpy as np
import torch

from mg_posec3d.cli_utils import UserError, add_debug_argument, cli_main
from mg_posec3d.fileio import atomic_open, check_outputs
from mg_posec3d.models.precision import bf16_supported

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SAMPLE = os.path.join(REPO, 'mg_posec3d', 'data', 'rtg_sample', 'rtg_miga22.pkl')

# PoseC3D SlowOnly-R50 pose backbone, as in mmaction2's posec3d configs (and configs/_base_/models)
BACKBONE = dict(type='ResNet3dSlowOnly', depth=50, pretrained=None, in_channels=22, base_channels=32,
                num_stages=3, out_indices=(2, ), stage_blocks=(4, 6, 3), conv1_stride_s=1, pool1_stride_s=1,
                inflate=(0, 1, 1), spatial_strides=(2, 2, 2), temporal_strides=(1, 1, 2), dilations=(1, 1, 1))
HEAD_CHANNELS = 512
# The demo recipe's model and input (configs/demo/joint.py: an eighth-width backbone, 2 blocks per stage,
# 16 frames at 24 x 24, batch 16); fixed here so that figures measured on different days compare.
DEMO_BACKBONE = dict(BACKBONE, base_channels=8, stage_blocks=(2, 2, 2))
DEMO_HEAD_CHANNELS = 128
DEMO_INPUT = dict(clip_len=16, size=24, batch=16)
# the paper's optimizer (its lr is irrelevant to speed; a small one keeps repeated steps on one batch finite)
SCHEDULE = os.path.join(REPO, 'configs', '_base_', 'schedules', 'sgd_cosine_100e.py')


# ---------------------------------------------------------------------------------------------------------
# pipelines
# ---------------------------------------------------------------------------------------------------------
def render_args(kind: str, double: bool = False) -> dict:
    """GeneratePoseTarget arguments for miga22 joints or limbs (sigma 0.6, scores used)."""
    from mg_posec3d.layouts import MIGA22

    args = dict(sigma=0.6, use_score=True, double=double, left_kp=MIGA22.left, right_kp=MIGA22.right)
    if kind == 'joint':
        return dict(args, with_kp=True, with_limb=False)
    left_limb, right_limb = MIGA22.limb_flip()
    return dict(args, with_kp=False, with_limb=True, skeletons=MIGA22.limbs, left_limb=left_limb,
                right_limb=right_limb)


def pipeline(renderer: str, kind: str, size: int, clip_len: int, num_clips: int = 1,
             double: bool = False, train: bool | None = None) -> list:
    """The PoseC3D pipeline with renderer 'mmaction2' | 'fast' | 'pack' (keypoints only). ``train`` (default:
    size 56): the train pipeline (resize to size + size // 7, random crop to size x size, flip); otherwise the
    val/test pipeline resized to size x size."""
    from mmaction.datasets.transforms import (
        Flip,
        FormatShape,
        GeneratePoseTarget,
        PackActionInputs,
        PoseCompact,
        PoseDecode,
        RandomResizedCrop,
        Resize,
        UniformSampleFrames,
    )
    from mmengine.dataset import Compose

    from mg_posec3d.datasets.transforms import FastGeneratePoseTarget, PackPoseForHeatmap
    from mg_posec3d.layouts import MIGA22

    gen = {'mmaction2': GeneratePoseTarget, 'fast': FastGeneratePoseTarget,
           'pack': PackPoseForHeatmap}[renderer](**render_args(kind, double))
    if size == 56 if train is None else train:
        steps = [UniformSampleFrames(clip_len=clip_len), PoseDecode(),
                 PoseCompact(hw_ratio=1., allow_imgpad=True), Resize(scale=(-1, size + size // 7)),
                 RandomResizedCrop(area_range=(0.56, 1.0)), Resize(scale=(size, size), keep_ratio=False),
                 Flip(flip_ratio=0.5, left_kp=MIGA22.left, right_kp=MIGA22.right)]
    else:
        steps = [UniformSampleFrames(clip_len=clip_len, num_clips=num_clips, test_mode=True), PoseDecode(),
                 PoseCompact(hw_ratio=1., allow_imgpad=True), Resize(scale=(size, size), keep_ratio=False)]
    meta = ('img_shape', 'heatmap_cfg') if renderer == 'pack' else ('img_shape', )
    return Compose(steps + [gen, FormatShape(input_format='NCTHW_Heatmap'), PackActionInputs(meta_keys=meta)])


def load_clips(n: int, split: str = 'test') -> list[dict]:
    from mg_posec3d.fileio import safe_load_pickle

    data = safe_load_pickle(SAMPLE)
    ids = set(data['split'][split][:n])
    out = []
    for ann in data['annotations']:
        if ann['frame_dir'] in ids:
            out.append(dict(ann, start_index=0, modality='Pose'))
    return out


def _seed(seed: int) -> None:
    # mmaction2's RandomResizedCrop draws its offsets from Python's random, the rest from NumPy's
    random.seed(seed)
    np.random.seed(seed)


def _run(pipe, ann: dict, seed: int):
    _seed(seed)
    return pipe(copy.deepcopy(ann))


def _best_cpu(fn, repeats: int) -> float:
    """Best CPU time of this thread (s) over ``repeats`` calls."""
    best = math.inf
    for _ in range(repeats):
        t = time.thread_time()
        fn()
        best = min(best, time.thread_time() - t)
    return best


def bench_renderers(clips: list[dict], size: int, clip_len: int, repeats: int) -> dict:
    """Per clip (ms, CPU time of one thread): whole pipeline and the render step alone, per renderer."""
    from mmaction.datasets.transforms import GeneratePoseTarget

    from mg_posec3d.datasets.transforms import FastGeneratePoseTarget, PackPoseForHeatmap

    out = {}
    for kind in ('joint', 'limb'):
        pipes = {r: pipeline(r, kind, size, clip_len) for r in ('mmaction2', 'fast', 'pack')}
        gens = {'mmaction2': GeneratePoseTarget(**render_args(kind)),
                'fast': FastGeneratePoseTarget(**render_args(kind)),
                'pack': PackPoseForHeatmap(**render_args(kind))}
        pre = pipes['mmaction2'].transforms[:-3]
        tot = {f'{r}_{w}': 0.0 for r in pipes for w in ('pipeline', 'render')}
        for i, ann in enumerate(clips):
            _seed(i)
            state = copy.deepcopy(ann)
            for t in pre:
                state = t(state)
            for r in pipes:  # interleaved, same random crop for all
                tot[f'{r}_pipeline'] += _best_cpu(lambda p=pipes[r], a=ann, s=i: _run(p, a, s), repeats)
                tot[f'{r}_render'] += _best_cpu(lambda g=gens[r], s=state: g(dict(s)), repeats)
        res = {k: v / len(clips) * 1e3 for k, v in tot.items()}
        for w in ('pipeline', 'render'):
            res[f'speedup_{w}'] = res[f'mmaction2_{w}'] / res[f'fast_{w}']
        res['speedup_pack_pipeline'] = res['mmaction2_pipeline'] / res['pack_pipeline']
        out[kind] = res
    return out


def bench_device_render(clips: list[dict], size: int, clip_len: int, device: str, batch: int,
                        repeats: int) -> dict:
    """On-device rendering (``HeatmapDataPreprocessor``): ms per clip for a batch of packed clips."""
    from mmengine.dataset import pseudo_collate

    from mg_posec3d.models.heatmap_preprocessor import HeatmapDataPreprocessor

    out = {}
    for kind in ('joint', 'limb'):
        pipe = pipeline('pack', kind, size, clip_len)
        samples = [_run(pipe, clips[i % len(clips)], i) for i in range(batch)]
        pre = HeatmapDataPreprocessor().to(device)
        data = pseudo_collate(samples)

        def step(pre=pre, data=data):
            pre(data, False)
            _sync(device)

        step()
        best = math.inf
        for _ in range(repeats):
            t = time.perf_counter()
            step()
            best = min(best, time.perf_counter() - t)
        out[kind] = best / batch * 1e3
    return out


# ---------------------------------------------------------------------------------------------------------
# model
# ---------------------------------------------------------------------------------------------------------
def build_model(num_classes: int = 3, in_channels: int = 22, backbone: dict | None = None,
                head_channels: int | None = None):
    """Recognizer3D with the paper's SlowOnly-R50 (default) or ``backbone`` and an I3D (cross-entropy) head."""
    from mmaction.registry import MODELS

    return MODELS.build(dict(
        type='Recognizer3D', backbone=dict(backbone or BACKBONE, in_channels=in_channels),
        cls_head=dict(type='I3DHead', in_channels=head_channels or HEAD_CHANNELS, num_classes=num_classes,
                      dropout_ratio=0.5, average_clips='prob'),
        data_preprocessor=dict(type='HeatmapDataPreprocessor', format_shape='NCTHW')))


def demo_model_kw() -> dict:
    return dict(backbone=DEMO_BACKBONE, head_channels=DEMO_HEAD_CHANNELS)


def real_heatmaps(clips: list[dict], n: int, size: int, clip_len: int, kind: str = 'joint') -> torch.Tensor:
    pipe = pipeline('fast', kind, size, clip_len)
    return torch.stack([_run(pipe, clips[i % len(clips)], i)['inputs'][0] for i in range(n)])


def _sync(device: str) -> None:
    if device == 'cuda':
        torch.cuda.synchronize()


def _clock(device: str):
    # CPU: CPU time of this process (all its threads): robust to other processes on a shared machine, and
    # equal to wall time on an idle one with 1 thread. CUDA: wall time around synchronized work.
    return time.perf_counter if device == 'cuda' else time.process_time


def _interleaved(fns: dict, repeats: int, device: str) -> dict:
    """Best time (s) of each callable over ``repeats`` rounds, the callables taking turns in each round
    (so all see the same machine conditions); one warm-up call each first."""
    clock = _clock(device)
    best = {k: math.inf for k in fns}
    for rnd in range(repeats + 1):
        for k, fn in fns.items():
            _sync(device)
            t = clock()
            fn()
            _sync(device)
            if rnd:
                best[k] = min(best[k], clock() - t)
    return best


VARIANTS = (('fp32', False), ('bf16', False), ('fp32', True), ('bf16', True))


def _variant_models(device: str, variants=VARIANTS) -> dict:
    """Inference variants (``set_precision``, as tools/test.py --precision) of the paper model."""
    from mg_posec3d.models.precision import set_precision

    models = {}
    for precision, cl in variants:
        torch.manual_seed(0)
        model = build_model().to(device)
        models[precision + ('_cl' if cl else '')] = set_precision(model, precision, channels_last=cl)
    return models


def training_plans(device: str) -> dict:
    """Training precision variants, resolved by ``plan_training`` as tools/train.py does: fp32 and bf16 (and AMP
    on CUDA), each without and with channels-last-3d. bf16 is forced where the CPU would emulate it (to measure
    it); a variant that resolves to another precision (bf16 on a GPU without bf16) is left out."""
    from mg_posec3d.models.precision import plan_training

    cuda = device == 'cuda'
    plans = {}
    for cl in (False, True):
        for precision in ('fp32', 'bf16', 'amp') if cuda else ('fp32', 'bf16'):
            plan = plan_training(precision, channels_last=cl, allow_emulated_bf16=True, cuda=cuda)
            if plan.precision == precision:
                plans[precision + ('_cl' if cl else '')] = plan
    return plans


def training_setup(plan, device: str, **model_kw):
    """(model, optimizer wrapper) as a training run builds them: the paper's optimizer settings, the wrapper
    type from ``plan.configure`` (mmengine's AmpOptimWrapper for CUDA AMP / bf16), the model through
    ``plan.apply`` (CPU bf16 autocast, channels-last-3d)."""
    from mmengine.config import Config
    from mmengine.optim import build_optim_wrapper

    cfg = Config(dict(optim_wrapper=dict(Config.fromfile(SCHEDULE).optim_wrapper, type='OptimWrapper')))
    cfg.optim_wrapper.optimizer.lr = 1e-3
    plan.configure(cfg)
    torch.manual_seed(0)
    model = plan.apply(build_model(**model_kw).to(device))
    return model, build_optim_wrapper(model, cfg.optim_wrapper)


def synthetic_batch(x: torch.Tensor) -> dict:
    """``Recognizer3D.train_step`` data for the clips ``x`` [N, C, T, H, W] (one clip per sample, class 0)."""
    from mmaction.structures import ActionDataSample

    return dict(inputs=list(x.unsqueeze(1)), data_samples=[ActionDataSample().set_gt_label(0) for _ in x])


def bench_model(x: torch.Tensor, device: str, repeats: int, train: bool = True, **model_kw) -> dict:
    """clips/s of forward (eval, no grad) and train step per training precision variant (:func:`training_plans`),
    variants interleaved. The train step is ``model.train_step`` with the optimizer wrapper: data preprocessor,
    forward, loss, backward and SGD step under the plan's autocast, as in a training run."""
    x = x.to(device)
    data = synthetic_batch(x)
    setups = {k: training_setup(plan, device, **model_kw) for k, plan in training_plans(device).items()}

    def fwd(model, wrapper):
        model.eval()
        with torch.no_grad(), wrapper.optim_context(model):
            model.cls_head(model.backbone(x))

    def step(model, wrapper):
        model.train()
        model.train_step(data, wrapper)

    out = {k: {} for k in setups}
    t_fwd = _interleaved({k: (lambda s=s: fwd(*s)) for k, s in setups.items()}, repeats, device)
    for k in setups:
        out[k]['forward'] = x.shape[0] / t_fwd[k]
    if train:
        t_step = _interleaved({k: (lambda s=s: step(*s)) for k, s in setups.items()}, repeats, device)
        for k in setups:
            out[k]['train_step'] = x.shape[0] / t_step[k]
    for name in out:
        for k in list(out[name]):
            out[name][f'{k}_vs_fp32'] = out[name][k] / out['fp32'][k]
    return out


def bench_compile(clips: list[dict], device: str, repeats: int, batch: int) -> dict:
    """torch.compile (inductor, default mode) of the demo backbone: compile time (first call, wall) and the best
    steady-state time (s) of a forward (eval, no grad) and a train step (fwd + bwd + SGD), against the same model
    eager; both fp32 in channels-last-3d, the training default (configs/_base_/default_runtime.py)."""
    from mg_posec3d.models.precision import plan_training

    plan = plan_training('fp32', channels_last=True, cuda=device == 'cuda')
    x = real_heatmaps(clips, batch, DEMO_INPUT['size'], DEMO_INPUT['clip_len']).to(device)
    labels = torch.zeros(batch, dtype=torch.long, device=device)
    out = dict(input=f"batch {batch} x 22 x {DEMO_INPUT['clip_len']} x {DEMO_INPUT['size']} x {DEMO_INPUT['size']}")

    def fwd(model):
        model.eval()
        with torch.no_grad():
            model.cls_head(model.backbone(x))

    def step(model, opt):
        model.train()
        opt.zero_grad(set_to_none=True)
        torch.nn.functional.cross_entropy(model.cls_head(model.backbone(x)), labels).backward()
        opt.step()

    for name in ('forward', 'train_step'):
        torch._dynamo.reset()  # each compiled in a fresh cache: compile time of this graph alone
        eager, compiled = [plan.apply(build_model(**demo_model_kw()).to(device)) for _ in range(2)]
        compiled.backbone = torch.compile(compiled.backbone)
        models = {'eager': eager, 'compiled': compiled}
        if name == 'forward':
            fns = {k: (lambda m=m: fwd(m)) for k, m in models.items()}
        else:
            opts = {k: torch.optim.SGD(m.parameters(), lr=1e-3, momentum=0.9) for k, m in models.items()}
            fns = {k: (lambda m=m, o=opts[k]: step(m, o)) for k, m in models.items()}
        t = time.perf_counter()  # wall: inductor compiles in subprocesses
        try:
            fns['compiled']()
        except Exception as e:  # a compiler failure is a result here: report it, go on
            out[name] = dict(error=f'{type(e).__name__}: {str(e).splitlines()[0][:300]}')
            continue
        compile_s = time.perf_counter() - t
        best = _interleaved(fns, repeats, device)
        out[name] = dict(eager=best['eager'], compiled=best['compiled'], speedup=best['eager'] / best['compiled'],
                         compile_s=compile_s)
    return out


def bench_frozen(clips: list[dict], repeats: int, batch: int, demo_batch: int) -> dict:
    """Eval-mode CPU forward (backbone + head) of the paper and the demo model: fp32 eager, eager in
    channels-last-3d, frozen by TorchScript, and bf16; best CPU time (s) per clip, speed-ups against eager, and
    the largest absolute difference of the frozen and the bf16 logits from the fp32 eager ones."""
    from mg_posec3d.models.frozen import freeze_for_cpu_inference
    from mg_posec3d.models.precision import bf16_supported, set_precision

    out = {}
    for name, n, clip_len, size, kw in (('paper', batch, 48, 64, {}),
                                        ('demo', demo_batch, DEMO_INPUT['clip_len'], DEMO_INPUT['size'],
                                         demo_model_kw())):
        x = real_heatmaps(clips, n, size, clip_len)
        models = {}
        for variant in ('eager', 'eager_cl', 'frozen', 'bf16'):
            torch.manual_seed(0)
            model = build_model(**kw).eval()
            if variant == 'eager_cl':
                set_precision(model, 'fp32', channels_last=True)
            elif variant == 'frozen':
                freeze_for_cpu_inference(model)
            elif variant == 'bf16':
                set_precision(model, 'bf16')
            models[variant] = model

        def fwd(model, x=x):
            with torch.no_grad():
                return model.cls_head(model.backbone(x)).float()

        best = _interleaved({k: (lambda m=m: fwd(m)) for k, m in models.items()}, repeats, 'cpu')
        r = {k: v / n for k, v in best.items()}
        r.update(input='batch {} x 22 x {} x {} x {}'.format(n, *x.shape[2:]),
                 speedup_cl=best['eager'] / best['eager_cl'], speedup_frozen=best['eager'] / best['frozen'],
                 speedup_bf16=best['eager'] / best['bf16'], native_bf16=bf16_supported('cpu'))
        ref = fwd(models['eager'])
        r.update({f'max_abs_diff{s}': float((fwd(models[k]) - ref).abs().max())
                  for s, k in (('', 'frozen'), ('_bf16', 'bf16'))})
        out[name] = r
    return out


def bench_test_time(clips: list[dict], num_clips: int, clip_len: int, device: str, repeats: int,
                    chunk: int) -> dict:
    """Seconds per test sample: num_clips x flip views at 48x64x64 (pipeline + model, per precision)."""
    ann = clips[0]
    res = {}
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    for r in ('mmaction2', 'fast'):
        pipe = pipeline(r, 'joint', 64, clip_len, num_clips=num_clips, double=True)
        res[f'pipeline_{r}'] = _best_cpu(lambda pipe=pipe: _run(pipe, ann, 0), repeats)
    torch.set_num_threads(threads)
    views = _run(pipeline('fast', 'joint', 64, clip_len, num_clips=num_clips, double=True), ann, 0)['inputs']
    views = views.to(device)
    res['views'] = int(views.shape[0])
    models = _variant_models(device, (('fp32', False), ('bf16', False), ('bf16', True)))

    def fwd(model):
        with torch.no_grad():
            for i in range(0, views.shape[0], chunk):
                model.cls_head(model.backbone(views[i:i + chunk]))

    best = _interleaved({k: (lambda m=m: fwd(m.eval())) for k, m in models.items()}, max(1, repeats // 3),
                        device)
    for k, v in best.items():
        res[f'model_{k}'] = v
        res[f'total_mmaction2_{k}'] = res['pipeline_mmaction2'] + v
        res[f'total_fast_{k}'] = res['pipeline_fast'] + v
    res['speedup_total_bf16'] = res['total_mmaction2_fp32'] / res['total_fast_bf16']
    res['speedup_total_bf16_cl'] = res['total_mmaction2_fp32'] / res['total_fast_bf16_cl']
    return res


# ---------------------------------------------------------------------------------------------------------
# GPU training throughput with real loading (section d)
# ---------------------------------------------------------------------------------------------------------
class _ClipDataset(torch.utils.data.Dataset):
    def __init__(self, clips, pipe):
        self.clips, self.pipe = clips, pipe

    def __len__(self):
        return len(self.clips)

    def __getitem__(self, i):
        return self.pipe(copy.deepcopy(self.clips[i]))


def bench_loading(clips: list[dict], device: str, batch: int, workers: int, iters: int) -> dict:
    """Train clips/s on ``device`` in the precision and memory format training picks by default (configs'
    ``precision = 'auto'``, ``channels_last = True``: AMP and channels-last-3d on a GPU): DataLoader over real clips
    with each pipeline (renderer in the workers, or on the device) vs synthetic input already on the device."""
    from mmengine.dataset import pseudo_collate

    from mg_posec3d.models.precision import plan_training

    plan = plan_training('auto', channels_last=True, cuda=device == 'cuda')
    out = {'precision': plan.describe()}
    for r in ('mmaction2', 'fast', 'pack'):
        pipe = pipeline(r, 'joint', 56, 48)
        loader = torch.utils.data.DataLoader(_ClipDataset(clips, pipe), batch_size=batch, shuffle=True,
                                             num_workers=workers, collate_fn=pseudo_collate, drop_last=True,
                                             persistent_workers=workers > 0)
        model, wrapper = training_setup(plan, device)
        done, t0, it = 0, None, iter(loader)
        while done < iters + 2:
            try:
                data = next(it)
            except StopIteration:
                it = iter(loader)
                continue
            model.train_step(data, wrapper)
            done += 1
            if done == 2:  # warm-up (worker start, cudnn autotune)
                _sync(device)
                t0 = time.perf_counter()
        _sync(device)
        out[f'real_{r}'] = iters * batch / (time.perf_counter() - t0)
    model, wrapper = training_setup(plan, device)
    data = synthetic_batch(torch.rand(batch, 22, 48, 56, 56, device=device))
    for _ in range(2):
        model.train_step(data, wrapper)
    _sync(device)
    t0 = time.perf_counter()
    for _ in range(iters):
        model.train_step(data, wrapper)
    _sync(device)
    out['synthetic'] = iters * batch / (time.perf_counter() - t0)
    for r in ('mmaction2', 'fast', 'pack'):
        out[f'real_{r}_vs_synthetic'] = out[f'real_{r}'] / out['synthetic']
    return out


# ---------------------------------------------------------------------------------------------------------
# bf16 agreement (item: precision)
# ---------------------------------------------------------------------------------------------------------
def train_briefly(iters: int, batch: int, clip_len: int, size: int, seed: int = 0):
    """SGD on the bundled sample's train split (fp32) at a reduced input size (the network is fully
    convolutional + global pooling, so it runs at any size); returns the model."""
    data = load_clips(10 ** 6, 'train')
    pipe = pipeline('fast', 'joint', size, clip_len, train=True)
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = build_model()
    if iters <= 0:  # random initialisation (near-tie logits: a stress test for bf16)
        return model.eval()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=3e-4, nesterov=True)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.01, total_steps=iters, pct_start=0.2)
    model.train()
    for step in range(iters):
        idx = rng.choice(len(data), batch, replace=False)
        samples = [pipe(copy.deepcopy(data[i])) for i in idx]
        x = torch.stack([s['inputs'][0] for s in samples])
        y = torch.tensor([int(data[i]['label']) for i in idx])
        loss = torch.nn.functional.cross_entropy(model.cls_head(model.backbone(x)), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 40)  # as PoseC3D's configs
        opt.step()
        sched.step()
        if step % 20 == 0 or step == iters - 1:
            print(f'  train step {step + 1}/{iters} loss {loss.item():.3f}', file=sys.stderr, flush=True)
    return model.eval()


AGREE_TRAIN = dict(clip_len=20, size=32)  # brief training runs at this input size (6x cheaper than 48x56x56)


def bf16_agreement(model, clip_len: int = 48, size: int = 64, splits=('val', 'test'),
                   limit: int | None = None) -> dict:
    """fp32 vs bf16 (with and without channels-last) on real clips (val pipeline, 1 clip): top-1
    agreement and how far the logits move compared with the fp32 top-2 margins."""
    from mg_posec3d.models.precision import set_precision

    clips = [c for s in splits for c in load_clips(10 ** 6, s)][:limit]
    pipe = pipeline('fast', 'joint', size, clip_len)
    inputs = [_run(pipe, c, 0)['inputs'][0] for c in clips]
    labels = np.array([int(c['label']) for c in clips])
    logits = {}
    for name, precision, cl in (('fp32', 'fp32', False), ('bf16', 'bf16', False), ('bf16_cl', 'bf16', True)):
        set_precision(model, precision, channels_last=cl)
        with torch.no_grad():
            logits[name] = torch.cat([model.cls_head(model.backbone(torch.stack(inputs[i:i + 4]))).float()
                                      for i in range(0, len(inputs), 4)]).numpy()
    set_precision(model, 'fp32')
    a = logits['fp32']
    top2 = np.sort(a, 1)[:, -2:]
    margin = top2[:, 1] - top2[:, 0]
    res = dict(clips=len(clips), fp32_accuracy=float((a.argmax(1) == labels).mean()),
               fp32_pred_hist=np.bincount(a.argmax(1), minlength=a.shape[1]).tolist(),
               median_fp32_top2_margin=float(np.median(margin)), min_fp32_top2_margin=float(margin.min()))
    for name in ('bf16', 'bf16_cl'):
        b = logits[name]
        diff = np.abs(a - b).max(1)
        res[name] = dict(top1_agreement=float((a.argmax(1) == b.argmax(1)).mean()),
                         accuracy=float((b.argmax(1) == labels).mean()), max_abs_logit_diff=float(diff.max()),
                         median_abs_logit_diff=float(np.median(diff)),
                         clips_with_fp32_margin_below_max_diff=int((margin < diff.max()).sum()))
    return res


# ---------------------------------------------------------------------------------------------------------
# report
# ---------------------------------------------------------------------------------------------------------
_THREADS = torch.get_num_threads()


def markdown(res: dict) -> str:
    lines = []
    env = res['env']
    lines.append(f"Machine: {env['cpu']} ({env['cpus']} CPUs, torch threads {env['threads']}), "
                 f"torch {env['torch']}, numpy {env['numpy']}, mmaction2 {env['mmaction2']}; "
                 f"device {env['device']}.")
    if 'render' in res:
        lines += ['', '**a. Pose pipeline per clip** (one thread, CPU ms, best of repeats; clips/s = 1000/ms)', '',
                  '| clip | heatmaps | mmaction2 render | ours render | speed-up | mmaction2 pipeline | '
                  'ours pipeline | speed-up | keypoints-only pipeline (on-device render) |',
                  '|---|---|---|---|---|---|---|---|---|']
        for size, per in res['render'].items():
            for kind, r in per.items():
                lines.append(
                    f"| {size} | {kind} | {r['mmaction2_render']:.2f} | {r['fast_render']:.3f} | "
                    f"**{r['speedup_render']:.1f}x** | {r['mmaction2_pipeline']:.2f} | {r['fast_pipeline']:.2f} | "
                    f"{r['speedup_pipeline']:.1f}x | {r['pack_pipeline']:.2f} ({r['speedup_pack_pipeline']:.1f}x) |")
    if 'device_render' in res:
        lines += ['', f"On-device rendering ({env['device']}, batched): " + ', '.join(
            f"{size} {k} {v:.3f} ms/clip" for size, per in res['device_render'].items() for k, v in per.items())]
    if 'model' in res or 'model_demo' in res:
        n = res['model_threads']
        native = 'native' if env.get('bf16_native') else 'emulated: no avx512_bf16 / amx_bf16 in the CPU flags'
        lines += ['', f"**b. Training precision** ({n} torch thread{'s' if n > 1 else ''}; variants from "
                  f"`plan_training`; bf16 on the CPU {native}), clips/s (x fp32)", '',
                  '| model, input | variant | forward | train step |', '|---|---|---|---|']
        for key, label in (('model', 'paper SlowOnly-R50'), ('model_demo', 'demo model')):
            for i, (name, r) in enumerate(res.get(key, {}).items()):
                tr = f"{r['train_step']:.2f} ({r['train_step_vs_fp32']:.2f}x)" if 'train_step' in r else '-'
                first = f"{label}, {res[key + '_input']}" if i == 0 else ''
                lines.append(f"| {first} | {name} | {r['forward']:.2f} ({r['forward_vs_fp32']:.2f}x) | {tr} |")
    if 'compile' in res:
        c = res['compile']
        lines += ['', f"**e. torch.compile (inductor) of the demo backbone** ({c['input']}, {res['model_threads']} "
                  'torch thread(s), fp32 channels-last-3d), s, best of repeats after compiling', '',
                  '| step | eager | compiled | speed-up | compile time (wall) |', '|---|---|---|---|---|']
        for k in ('forward', 'train_step'):
            r = c[k]
            if 'error' in r:
                lines.append(f"| {k} | - | compiling failed: {r['error']} | - | - |")
            else:
                lines.append(f"| {k} | {r['eager']:.3f} | {r['compiled']:.3f} | {r['speedup']:.2f}x | "
                             f"{r['compile_s']:.1f} |")
    if 'frozen' in res:
        native = 'native' if next(iter(res['frozen'].values()))['native_bf16'] else 'emulated'
        lines += ['', f"**f. CPU inference, eager vs frozen by TorchScript vs bf16 ({native})** "
                  f"({res['model_threads']} torch thread(s), backbone + head, CPU s per clip, best of repeats)", '',
                  '| model, input | fp32 eager | eager channels-last | frozen | bf16 | max abs logit diff, frozen '
                  '/ bf16 |', '|---|---|---|---|---|---|']
        for name, r in res['frozen'].items():
            lines.append(f"| {name}, {r['input']} | {r['eager']:.4f} | {r['eager_cl']:.4f} "
                         f"({r['speedup_cl']:.2f}x) | {r['frozen']:.4f} (**{r['speedup_frozen']:.2f}x**) | "
                         f"{r['bf16']:.4f} ({r['speedup_bf16']:.2f}x) | {r['max_abs_diff']:.1e} / "
                         f"{r['max_abs_diff_bf16']:.1e} |")
    if 'test_time' in res:
        t = res['test_time']
        lines += ['', f"**c. Test-time cost per sample** ({t['views']} views = clips x flip, 48x64x64), s", '',
                  '| renderer | pipeline | total, model fp32 | total, model bf16 | total, model bf16 + channels-last |',
                  '|---|---|---|---|---|']
        for r in ('mmaction2', 'fast'):
            lines.append(f"| {r} | {t[f'pipeline_{r}']:.3f} | {t[f'total_{r}_fp32']:.2f} | "
                         f"{t[f'total_{r}_bf16']:.2f} | {t[f'total_{r}_bf16_cl']:.2f} |")
        lines += ['', f"mmaction2 + fp32 -> ours + bf16: **{t['speedup_total_bf16']:.2f}x** per sample "
                  f"(bf16 + channels-last: {t['speedup_total_bf16_cl']:.2f}x)."]
    if 'loading' in res:
        lo = res['loading']
        lines += ['', f"**d. Training throughput with real loading** ({lo['precision']}), clips/s", '',
                  '| input | clips/s | vs synthetic |', '|---|---|---|']
        for r in ('mmaction2', 'fast', 'pack'):
            lines.append(f"| real, {r} | {lo[f'real_{r}']:.1f} | {lo[f'real_{r}_vs_synthetic']:.2f} |")
        lines.append(f"| synthetic | {lo['synthetic']:.1f} | 1.00 |")
    for size, g in res.get('agreement', {}).items():
        lines += ['', f"**bf16 vs fp32, {g['clips']} real clips at {size}** (val/test splits, 1 clip each; "
                  f"fp32 accuracy {g['fp32_accuracy']:.3f}, fp32 predictions per class {g['fp32_pred_hist']}, "
                  f"fp32 top-2 logit margin median {g['median_fp32_top2_margin']:.4f}, "
                  f"min {g['min_fp32_top2_margin']:.4f})", '',
                  '| variant | top-1 agreement | accuracy | max / median abs logit diff | clips with fp32 margin '
                  'below the max diff |', '|---|---|---|---|---|']
        for name in ('bf16', 'bf16_cl'):
            r = g[name]
            lines.append(f"| {name} | {r['top1_agreement']:.4f} | {r['accuracy']:.3f} | "
                         f"{r['max_abs_logit_diff']:.4f} / {r['median_abs_logit_diff']:.4f} | "
                         f"{r['clips_with_fp32_margin_below_max_diff']} |")
    return '\n'.join(lines)


def _env(device: str) -> dict:
    import platform

    import mmaction
    cpu = platform.processor() or platform.machine()
    try:
        with open('/proc/cpuinfo') as f:
            cpu = next(line.split(':', 1)[1].strip() for line in f if line.startswith('model name'))
    except (OSError, StopIteration):
        pass
    return dict(cpu=cpu, cpus=os.cpu_count(), threads=_THREADS, torch=torch.__version__, numpy=np.__version__,
                mmaction2=mmaction.__version__, device=torch.cuda.get_device_name() if device == 'cuda' else 'cpu',
                bf16_native=bf16_supported('cpu'),
                bf16_onednn=bool(torch.ops.mkldnn._is_mkldnn_bf16_supported()))


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--device', default='cpu', choices=['cpu', 'cuda'])
    p.add_argument('--quick', action='store_true', help='fewer clips/repeats, 2 test clips (about 2 minutes)')
    p.add_argument('--clips', type=int, default=None, help='real clips for section a (default 20, quick 6)')
    p.add_argument('--repeats', type=int, default=None, help='repeats per measurement (default 5, quick 3)')
    p.add_argument('--clip-len', type=int, default=48)
    p.add_argument('--sizes', type=int, nargs='+', default=[56, 64], help='56: train pipeline, else val')
    p.add_argument('--batch', type=int, default=None,
                   help='model batch (default 2 on CPU, quick 1; 16 on CUDA)')
    p.add_argument('--demo-batch', type=int, default=None,
                   help=f"demo model batch in section b (default {DEMO_INPUT['batch']}, quick 4) and e")
    p.add_argument('--threads', type=int, default=None,
                   help='torch threads for sections b, c (default 1 on CPU: per-core figures in CPU time, '
                        'robust on a shared machine; all on CUDA)')
    p.add_argument('--test-clips', type=int, default=None, help='clips per test sample (default 10, quick 2)')
    p.add_argument('--sections', default='abc',
                   help='which of a, b, c, d (--device cuda only), e (torch.compile, minutes) and f (CPU '
                        'inference: eager, TorchScript-frozen, bf16) to run')
    p.add_argument('--workers', type=int, default=8, help='DataLoader workers for section d')
    p.add_argument('--iters', type=int, default=20, help='train iterations for section d')
    p.add_argument('--agreement', action='store_true',
                   help='train the model briefly on the bundled sample, then fp32 vs bf16 agreement')
    p.add_argument('--train-iters', type=int, default=100)
    p.add_argument('--checkpoint', help='state dict for --agreement instead of training (3 classes)')
    p.add_argument('--save-checkpoint', help='save the briefly trained state dict here')
    p.add_argument('--json', help='write all figures and ratios here')
    p.add_argument('--overwrite', action='store_true', help='replace existing --json / --save-checkpoint files')
    add_debug_argument(p)
    return p.parse_args(argv)


@cli_main
def main(argv=None) -> int:
    args = parse_args(argv)
    check_outputs([p for p in (args.json, args.save_checkpoint) if p], args.overwrite)
    unknown = sorted(set(args.sections) - set('abcdef'))
    if unknown:
        raise UserError(f"--sections {args.sections}: unknown section {', '.join(unknown)} (sections are a-f)")
    if args.device == 'cuda' and not torch.cuda.is_available():
        raise UserError('--device cuda but no CUDA device')
    if args.checkpoint and not os.path.isfile(args.checkpoint):
        raise UserError(f'--checkpoint {args.checkpoint}: no such file')
    from mmaction.utils import register_all_modules

    import mg_posec3d  # noqa: F401  (registers modules, applies compat fixes)
    register_all_modules(init_default_scope=True)
    quick = args.quick
    n_clips = args.clips or (6 if quick else 20)
    repeats = args.repeats or (3 if quick else 5)
    test_clips = args.test_clips or (2 if quick else 10)
    batch = args.batch or (16 if args.device == 'cuda' else 1 if quick else 2)
    demo_batch = args.demo_batch or (4 if quick else DEMO_INPUT['batch'])
    threads = args.threads or (_THREADS if args.device == 'cuda' else 1)
    res: dict = {'env': _env(args.device), 'args': vars(args)}
    clips = load_clips(n_clips)
    if 'a' in args.sections:
        torch.set_num_threads(1)
        res['render'] = {f'{args.clip_len}x{s}x{s}': bench_renderers(clips, s, args.clip_len, repeats)
                         for s in args.sizes}
        torch.set_num_threads(_THREADS)
        if args.device == 'cuda':
            res['device_render'] = {f'{args.clip_len}x{s}x{s}': bench_device_render(
                clips, s, args.clip_len, 'cuda', batch, repeats) for s in args.sizes}
    torch.set_num_threads(threads)
    res['model_threads'] = threads
    if 'b' in args.sections:
        x = real_heatmaps(clips, batch, 56, args.clip_len)
        res['model_input'] = f'batch {batch} x 22 x {args.clip_len} x 56 x 56'
        res['model'] = bench_model(x, args.device, repeats)
        xd = real_heatmaps(clips, demo_batch, DEMO_INPUT['size'], DEMO_INPUT['clip_len'])
        res['model_demo_input'] = 'batch {} x 22 x {} x {} x {}'.format(demo_batch, *xd.shape[2:])
        res['model_demo'] = bench_model(xd, args.device, repeats, **demo_model_kw())
    if 'e' in args.sections:
        res['compile'] = bench_compile(clips, args.device, repeats, demo_batch)
    if 'f' in args.sections and args.device == 'cpu':
        res['frozen'] = bench_frozen(clips, repeats, batch, demo_batch)
    if 'c' in args.sections:
        res['test_time'] = bench_test_time(clips, test_clips, args.clip_len, args.device, repeats,
                                           chunk=20 if args.device == 'cuda' else 4)
    torch.set_num_threads(_THREADS)
    if 'd' in args.sections and args.device == 'cuda':
        res['loading'] = bench_loading(load_clips(10 ** 6, 'train'), 'cuda', batch, args.workers, args.iters)
    if args.agreement:
        if args.checkpoint:
            model = build_model()
            model.load_state_dict(torch.load(args.checkpoint, map_location='cpu', weights_only=True))
            model.eval()
        else:
            model = train_briefly(args.train_iters, batch=8, **AGREE_TRAIN)
            if args.save_checkpoint:
                with atomic_open(args.save_checkpoint, 'wb') as f:
                    torch.save(model.state_dict(), f)
        res['agreement'] = {f'{t}x{z}x{z}': bf16_agreement(model, t, z)
                            for t, z in ((AGREE_TRAIN['clip_len'], AGREE_TRAIN['size']), (args.clip_len, 64))}
    print(markdown(res))
    if args.json:
        with atomic_open(args.json, 'w') as f:
            json.dump(res, f, indent=1, default=str)
    return 0


if __name__ == '__main__':
    sys.exit(main())
