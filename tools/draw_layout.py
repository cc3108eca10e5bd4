"""Draw a real skeleton frame with the limbs of each layout, to check the layouts by eye.

  python tools/draw_layout.py [--ann mg_posec3d/data/rtg_sample/rtg_miga22.pkl] [--clip P1_L_01] [--frame -15]
"""
import argparse
import os
import sys

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from mg_posec3d.fileio import safe_load_pickle  # noqa: E402
from mg_posec3d.layouts import MIGA22, MIGA22_HFUT2023  # noqa: E402


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--ann', default='mg_posec3d/data/rtg_sample/rtg_miga22.pkl')
    p.add_argument('--clip', default=None, help='frame_dir (default: the first clip)')
    p.add_argument('--frame', type=int, default=-15, help='frame index (negative: from the end)')
    p.add_argument('--out', default='work_dirs/layout_check.png')
    args = p.parse_args(argv)
    data = safe_load_pickle(args.ann)
    annos = {a['frame_dir']: a for a in data['annotations']}
    ann = annos[args.clip] if args.clip else data['annotations'][0]
    kp = ann['keypoint'][0, args.frame].astype(np.float32)
    sc = ann['keypoint_score'][0, args.frame].astype(np.float32)
    fig, axes = plt.subplots(1, 2, figsize=(12, 6))
    for ax, layout in zip(axes, (MIGA22, MIGA22_HFUT2023)):
        for a, b in layout.limbs:
            if sc[a] > 0 and sc[b] > 0:
                ax.plot(*zip(kp[a], kp[b]), '-', lw=1.5)
        seen = sc > 0
        ax.scatter(kp[seen, 0], kp[seen, 1], c='k', s=8)
        for j in np.flatnonzero(seen):
            ax.annotate(f'{j}', kp[j], fontsize=7)
        ax.set_title(f'{layout.name}: {ann["frame_dir"]} frame {args.frame}')
        ax.invert_yaxis()
        ax.set_aspect('equal')
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    fig.tight_layout()
    fig.savefig(args.out, dpi=90)
    print(f'wrote {args.out}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
