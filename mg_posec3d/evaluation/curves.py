"""Training curves: the losses and the validation accuracy a run logged, as one PNG to look at.

mmengine's ``LocalVisBackend`` appends one JSON object per line to ``WORK_DIR/<timestamp>/vis_data/scalars.json``:
training rows carry ``iter`` (and ``loss``, ``loss_cls``, ``loss_emb``, ``lr``, ``top1_acc`` of the batch, ...),
validation rows carry the metrics under their prefix (``acc/top1``, ``acc/mean1``, ``pathway/rgb_top1``, ...)
with ``step`` = the epoch. :func:`plot_training_curves` draws the losses against the iteration and the
validation metrics against the epoch; ``mg_posec3d.apis.train`` calls it when a training ends and
``tools/analysis/plot_curves.py`` runs it by hand.
"""
from __future__ import annotations

import glob
import json
import os
from dataclasses import dataclass, field

from ..fileio import atomic_open, check_outputs

SCALARS = os.path.join('vis_data', 'scalars.json')
CURVES_PNG = 'curves.png'


@dataclass
class LoggedScalars:
    path: str
    train: list[dict] = field(default_factory=list)  # rows with 'iter'
    val: list[dict] = field(default_factory=list)  # rows with metrics ('acc/top1', ...) and 'step' = epoch

    @property
    def loss_keys(self) -> list[str]:
        return sorted({k for r in self.train for k in r if 'loss' in k}, key=lambda k: (k != 'loss', k))

    @property
    def val_keys(self) -> list[str]:
        return sorted({k for r in self.val for k in r if '/' in k})


def find_scalars(path: str | os.PathLike) -> str:
    """``scalars.json`` of a run: ``path`` is the file, a run folder (``WORK_DIR/<timestamp>``) or a work dir
    (then its latest run that logged anything)."""
    path = os.fspath(path)
    if os.path.isfile(path):
        return path
    if os.path.isfile(os.path.join(path, SCALARS)):
        return os.path.join(path, SCALARS)
    runs = sorted(glob.glob(os.path.join(glob.escape(path), '*', SCALARS)))  # <timestamp> names sort by time
    if not runs:
        what = 'no such folder' if not os.path.isdir(path) else f'no run in it has logged {SCALARS}'
        raise FileNotFoundError(f'{path}: {what} (give a work dir, a run folder WORK_DIR/<timestamp>, or the '
                                'scalars.json file)')
    return runs[-1]


def read_scalars(path: str | os.PathLike) -> LoggedScalars:
    """The training and validation rows of ``scalars.json`` (a line that is not a JSON object is an error)."""
    path = find_scalars(path)
    out = LoggedScalars(path=path)
    with open(path) as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as e:
                raise ValueError(f'{path}: line {n}: not JSON ({e})') from e
            if not isinstance(row, dict):
                raise ValueError(f'{path}: line {n}: expected a JSON object, got {type(row).__name__}')
            if 'iter' in row:
                out.train.append(row)
            elif any('/' in k for k in row):
                out.val.append(row)
    if not out.train and not out.val:
        raise ValueError(f'{path}: no training or validation rows logged yet')
    return out


def plot_training_curves(path: str | os.PathLike, out: str | os.PathLike | None = None,
                         overwrite: bool = False) -> str:
    """Draw the logged losses (against the iteration) and validation metrics (against the epoch) of a run
    (see :func:`find_scalars` for ``path``) into ``out`` (default ``curves.png`` in the run folder); refuses an
    existing ``out`` unless ``overwrite``. Returns the PNG path."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    logged = read_scalars(path)
    run_dir = os.path.dirname(os.path.dirname(logged.path))
    out = os.fspath(out) if out is not None else os.path.join(run_dir, CURVES_PNG)
    check_outputs([out], overwrite)
    fig = Figure(figsize=(12, 4.5), dpi=100)  # Agg canvas directly: the caller's matplotlib backend is left alone
    FigureCanvasAgg(fig)
    ax_loss, ax_acc = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
    for key in logged.loss_keys:
        pts = [(r['iter'], r[key]) for r in logged.train if isinstance(r.get(key), (int, float))]
        if pts:
            ax_loss.plot(*zip(*pts), label=key, linewidth=2 if key == 'loss' else 1)
    ax_loss.set(xlabel='iteration', ylabel='loss', title='training losses')
    for key in logged.val_keys:
        pts = [(r.get('step'), r[key]) for r in logged.val if isinstance(r.get(key), (int, float))]
        if pts:
            ax_acc.plot(*zip(*pts), marker='o', label=f'val {key}')
    ax_acc.set(xlabel='epoch', ylabel='accuracy', title='validation' if logged.val else 'no validation logged')
    ax_acc.xaxis.set_major_locator(MaxNLocator(integer=True))
    for ax in (ax_loss, ax_acc):
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
    fig.suptitle(os.path.basename(os.path.dirname(run_dir)) + '/' + os.path.basename(run_dir), fontsize=10)
    fig.tight_layout()
    with atomic_open(out, 'wb') as f:
        fig.savefig(f, format='png')
    return out
