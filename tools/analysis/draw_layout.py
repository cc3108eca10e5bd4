"""Draw a skeleton frame with the limbs of each layout, to check the layouts by eye.

  python tools/analysis/draw_layout.py [--ann mg_posec3d/data/rtg_sample/rtg_miga22.pkl] [--clip P1_L_01] [--frame -15]
      [--layout NAME ...] [--out work_dirs/layout_check.png [--overwrite]]
Limbs touching a joint of the layout's "left" flip list are orange, "right" blue, others grey; joints are
numbered. Layouts: the file's "layout" (miga22 files: miga22 and miga22_hfut2023), or --layout.
"""
from __future__ import annotations

import argparse
import sys

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from mg_posec3d.cli_utils import UserError, add_debug_argument, cli_main  # noqa: E402
from mg_posec3d.fileio import atomic_open, check_outputs, safe_load_pickle  # noqa: E402
from mg_posec3d.layouts import LAYOUTS, MIGA22, MIGA22_HFUT2023, Layout, get_layout  # noqa: E402


def _frame(data, ann_file: str, clip: str | None, frame: int) -> tuple[dict, np.ndarray, np.ndarray]:
    """The annotation, keypoints [V, 2] and scores [V] of one frame, with errors naming file, clip and field."""
    annos = data.get('annotations') if isinstance(data, dict) else data
    if not isinstance(annos, list) or not annos:
        raise UserError(f'{ann_file}: field annotations: missing or empty')
    by_id = {a.get('frame_dir'): a for a in annos if isinstance(a, dict)}
    if clip is not None and clip not in by_id:
        raise UserError(f'{ann_file}: no clip {clip!r} (frame_dir); the file has e.g. {sorted(map(str, by_id))[:3]}')
    ann = by_id[clip] if clip is not None else annos[0]
    if not isinstance(ann, dict):
        raise UserError(f'{ann_file}: annotation 0: expected a dict, got {type(ann).__name__}')
    name = ann.get('frame_dir')
    missing = [f for f in ('keypoint', 'keypoint_score') if f not in ann]
    if missing:
        raise UserError(f'{ann_file}: sample {name!r}, field {missing[0]}: missing')
    kp, sc = np.asarray(ann['keypoint']), np.asarray(ann['keypoint_score'])
    if kp.ndim != 4 or sc.ndim != 3 or not -kp.shape[1] <= frame < kp.shape[1]:
        raise UserError(f'{ann_file}: sample {name!r}, field keypoint: shape {kp.shape} has no frame {frame} '
                        '(expected [M, T, V, 2])')
    return ann, kp[0, frame].astype(np.float32), sc[0, frame].astype(np.float32)


def _layouts(data, names: list[str] | None) -> list[Layout]:
    if names:
        return [get_layout(n) for n in names]
    layout = data.get('layout', MIGA22.name) if isinstance(data, dict) else MIGA22.name
    return [MIGA22, MIGA22_HFUT2023] if layout == MIGA22.name else [get_layout(layout)]


def _limb_colour(layout: Layout, a: int, b: int) -> str:
    if a in layout.left or b in layout.left:
        return 'tab:orange'
    if a in layout.right or b in layout.right:
        return 'tab:blue'
    return 'tab:gray'


@cli_main
def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--ann', default='mg_posec3d/data/rtg_sample/rtg_miga22.pkl')
    p.add_argument('--clip', default=None, help='frame_dir (default: the first clip)')
    p.add_argument('--frame', type=int, default=-15, help='frame index (negative: from the end)')
    p.add_argument('--layout', action='append', choices=sorted(LAYOUTS),
                   help='layout to draw (repeat for several; default: the file\'s "layout")')
    p.add_argument('--out', default='work_dirs/layout_check.png', help='PNG to write')
    p.add_argument('--overwrite', action='store_true', help='replace an existing --out file')
    add_debug_argument(p)
    args = p.parse_args(argv)
    check_outputs([args.out], args.overwrite)
    data = safe_load_pickle(args.ann)
    ann, kp, sc = _frame(data, args.ann, args.clip, args.frame)
    layouts = _layouts(data, args.layout)
    for layout in layouts:
        if layout.num_joints != len(kp):
            raise UserError(f'{args.ann}: sample {ann["frame_dir"]!r}, field keypoint: {len(kp)} joints, layout '
                            f'{layout.name} has {layout.num_joints}')
    fig, axes = plt.subplots(1, len(layouts), figsize=(6 * len(layouts), 6), squeeze=False)
    for ax, layout in zip(axes[0], layouts):
        for a, b in layout.limbs:
            if sc[a] > 0 and sc[b] > 0:
                ax.plot(*zip(kp[a], kp[b]), '-', lw=1.5, color=_limb_colour(layout, a, b))
        seen = sc > 0
        ax.scatter(kp[seen, 0], kp[seen, 1], c='k', s=8)
        for j in np.flatnonzero(seen):
            ax.annotate(f'{j} {layout.joints[j]}', kp[j], fontsize=6)
        ax.set_title(f'{layout.name}: {ann["frame_dir"]} frame {args.frame}')
        ax.invert_yaxis()
        ax.set_aspect('equal')
    fig.tight_layout()
    with atomic_open(args.out, 'wb') as f:
        fig.savefig(f, dpi=90, format='png')
    print(f'wrote {args.out}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
