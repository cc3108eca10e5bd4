"""Speed of the RGB + pose two-stream model: train step (s/iter) and data pipeline (s/clip), demo and paper size.

  python tools/analysis/benchmark_rgbpose.py [--iters 2] [--batch 2] [--threads 1 2] [--device cpu] [--skip-paper]

a  train step (forward + backward + SGD step) of configs/demo/rgbpose_joint.py and configs/rgbpose_joint.py
   on inputs of each config's training shapes (demo: RGB 4x64x64 + 22x16x16x16 heatmaps; paper: RGB 8x224x224
   + 22x32x56x56 heatmaps), random values, batch --batch, after one warm-up step; median of --iters.
b  training data pipeline per clip (decode RGB, sample, crop/resize/flip, render heatmaps, pack) of both
   configs on the bundled real clips (tests/data/rgb skeletons paired with tests/data/videos/basketball).

The machine's load average is printed: on a shared machine the figures are upper bounds. Writes no files
(the paired annotation file it needs lives in a temporary folder), so it has no --overwrite.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time

import numpy as np
import torch

from mg_posec3d.cli_utils import UserError, add_debug_argument, cli_main, require_at_least

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CONFIGS = {'demo': os.path.join(REPO, 'configs', 'demo', 'rgbpose_joint.py'),
           'paper': os.path.join(REPO, 'configs', 'rgbpose_joint.py')}
SKELETONS = os.path.join(REPO, 'tests', 'data', 'rgb', 'basketball_miga22_stride2.pkl')
VIDEOS = os.path.join(REPO, 'tests', 'data', 'videos')


def _config(name: str):
    from mmengine.config import Config

    return Config.fromfile(CONFIGS[name])


def _input_shapes(cfg) -> tuple[tuple, tuple]:
    """(C, T, H, W) of the RGB clip and of the heatmaps the config's training pipeline produces."""
    pipe = cfg.train_dataloader.dataset.pipeline
    lens = next(t for t in pipe if t['type'] == 'MMUniformSampleFrames')['clip_len']
    size = [t for t in pipe if t['type'] == 'Resize'][-1]['scale'][0]
    scaling = next(t for t in pipe if t['type'] == 'GeneratePoseTarget').get('scaling', 1.0)
    heat = int(size * scaling)
    return (3, lens['RGB'], size, size), (cfg.model.backbone.pose_pathway.in_channels, lens['Pose'], heat, heat)


def bench_train_step(name: str, batch: int, iters: int, device: str) -> dict:
    from mmaction.registry import MODELS
    from mmaction.structures import ActionDataSample

    cfg = _config(name)
    model = MODELS.build(cfg.model).to(device)
    model.init_weights()
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9)
    rgb, heat = _input_shapes(cfg)
    head = cfg.model.cls_head
    gen = torch.Generator().manual_seed(0)
    # what the dataloader's collate gives: one [1 clip, C, T, H, W] tensor per sample and modality
    data = dict(inputs=dict(imgs=[torch.rand(1, *rgb, generator=gen) * 255 for _ in range(batch)],
                            heatmap_imgs=[torch.rand(1, *heat, generator=gen) for _ in range(batch)]),
                data_samples=[])
    for i in range(batch):
        ds = ActionDataSample().set_gt_label(i % head.num_classes)
        ds.set_field(np.random.default_rng(i).standard_normal(head.embedding_dim).astype(np.float32),
                     'label_embedding')
        data['data_samples'].append(ds)
    times = []
    for it in range(iters + 1):
        if device == 'cuda':
            torch.cuda.synchronize()
        t0 = time.perf_counter()
        batch_in = dict(inputs={k: [x.clone() for x in v] for k, v in data['inputs'].items()},
                        data_samples=data['data_samples'])
        losses = model(**model.data_preprocessor(batch_in, True), mode='loss')
        loss = sum(v for k, v in losses.items() if 'loss' in k)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if device == 'cuda':
            torch.cuda.synchronize()
        if it:  # the first step is warm-up (allocations, kernel choice)
            times.append(time.perf_counter() - t0)
    params = sum(p.numel() for p in model.parameters())
    return dict(name=name, rgb=rgb, heat=heat, batch=batch, s_per_iter=statistics.median(times),
                times=times, params=params)


def bench_pipeline(name: str, ann: str, reps: int) -> dict:
    from mmaction.registry import DATASETS

    cfg = _config(name)
    ds_cfg = dict(cfg.train_dataloader.dataset, ann_file=ann, rgb_root=VIDEOS, split='all', num_classes=3,
                  label_embeddings=os.path.join(REPO, 'mg_posec3d', 'data', 'rtg_sample', 'rtg_glove50.npy'))
    ds = DATASETS.build(ds_cfg)
    ds[0]  # warm-up
    times = []
    for _ in range(reps):
        for i in range(len(ds)):
            t0 = time.perf_counter()
            out = ds[i]
            times.append(time.perf_counter() - t0)
    shapes = {k: tuple(v.shape) for k, v in out['inputs'].items()}
    return dict(name=name, s_per_clip=statistics.median(times), shapes=shapes, clips=len(times))


@cli_main
def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--iters', type=int, default=2, help='timed train steps per model (after 1 warm-up)')
    p.add_argument('--batch', type=int, default=2, help='clips per train step')
    p.add_argument('--threads', type=int, nargs='+', default=[1],
                   help='torch CPU thread counts to measure (default 1: on a busy 2-core machine 2 threads can be '
                        'many times slower)')
    p.add_argument('--device', default='cpu')
    p.add_argument('--pipeline-reps', type=int, default=2, help='passes over the 6 real clips')
    p.add_argument('--skip-paper', action='store_true', help='demo size only')
    add_debug_argument(p)
    args = p.parse_args(argv)
    require_at_least(args, iters=1, batch=1, pipeline_reps=1)
    if args.device.startswith('cuda') and not torch.cuda.is_available():
        raise UserError(f'--device {args.device} but no CUDA device')

    from mmaction.utils import register_all_modules
    from mmengine.logging import MMLogger

    register_all_modules(init_default_scope=True)
    MMLogger.get_current_instance().setLevel('WARNING')  # no per-parameter init report
    names = ['demo'] if args.skip_paper else ['demo', 'paper']
    print(f'torch {torch.__version__}, device {args.device}, '
          f'load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores')

    print('\na) train step (forward + backward + SGD), synthetic inputs of the training shapes')
    print('| model | RGB C,T,H,W | heatmaps C,T,H,W | params | batch | threads | s/iter (median) | steps |')
    print('|---|---|---|---|---|---|---|---|')
    for name in names:
        for threads in args.threads:
            torch.set_num_threads(threads)
            r = bench_train_step(name, args.batch, args.iters, args.device)
            print(f"| {name} | {r['rgb']} | {r['heat']} | {r['params'] / 1e6:.2f} M | {r['batch']} | {threads} | "
                  f"{r['s_per_iter']:.3f} | {', '.join(f'{t:.3f}' for t in r['times'])} |")
            sys.stdout.flush()
    torch.set_num_threads(args.threads[0])

    print('\nb) training data pipeline per clip, real clips (basketball video + bundled skeletons)')
    with tempfile.TemporaryDirectory() as tmp:
        from mg_posec3d.datasets.rgb_pairing import pair_annotations
        from mg_posec3d.fileio import safe_load_pickle, save_pickle

        combined, _ = pair_annotations(safe_load_pickle(SKELETONS), VIDEOS)
        ann = os.path.join(tmp, 'demo_rgb.pkl')
        save_pickle(combined, ann)
        print('| pipeline | output shapes | s/clip (median) | clips |')
        print('|---|---|---|---|')
        for name in names:
            r = bench_pipeline(name, ann, args.pipeline_reps)
            print(f"| {name} | {r['shapes']} | {r['s_per_clip']:.3f} | {r['clips']} |")
    print(f'\nload average after: {os.getloadavg()[0]:.1f}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
