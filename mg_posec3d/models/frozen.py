"""Faster CPU inference for a recognizer's 3D CNN: its backbone traced, frozen and optimised by TorchScript.

Freezing folds each BatchNorm into its convolution and turns the weights into constants; ``optimize_for_inference``
then pre-packs the convolution weights for oneDNN and fuses convolution + ReLU. On this project's 2-core CPU the
SlowOnly-R50 at 48x64x64 ran 2.2-2.5x and the demo model 1.6x faster than eager PyTorch
(``tools/analysis/benchmark.py --sections f``), with the same outputs to float rounding.

Only eval-mode, no-grad float32 CPU calls take the frozen path; anything else (training, gradients, CUDA,
bf16 autocast) runs the eager forward. The graph is traced at the first call for each input shape (without the
batch size) and checked against the eager output of that call; if tracing fails or disagrees, or TorchScript is
gone from a later PyTorch (it is deprecated upstream in favour of ``torch.compile``, which measured slower to
start and no faster here), the eager forward stays, with one warning.
"""
from __future__ import annotations

import warnings

import torch
from torch import nn

_KEY = '_mg_frozen'  # instance attribute: {input shape without batch: frozen module, or None (eager)}
TOLERANCE = 1e-3  # largest accepted |frozen - eager|, relative to the largest |eager| output


def _trace(module: nn.Module, x: torch.Tensor) -> torch.jit.ScriptModule:
    forward = module.__dict__.pop('forward')  # trace the class's forward, not this wrapper
    try:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')  # TracerWarnings of mmaction2's shape arithmetic, the deprecation
            traced = torch.jit.trace(module, x, check_trace=False)
            return torch.jit.optimize_for_inference(torch.jit.freeze(traced))
    finally:
        module.forward = forward


def _agree(a, b) -> bool:
    if isinstance(a, torch.Tensor):
        return isinstance(b, torch.Tensor) and a.shape == b.shape and bool(
            (a - b).abs().max() <= TOLERANCE * (1 + a.abs().max()))
    return (isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)) and len(a) == len(b)
            and all(_agree(u, v) for u, v in zip(a, b)))


def _part(model: nn.Module) -> nn.Module:
    target = getattr(model, 'module', model)  # (Distributed)DataParallel
    backbone = getattr(target, 'backbone', None)
    return target if backbone is None else backbone


def freeze_for_cpu_inference(model: nn.Module) -> nn.Module:
    """Make ``model``'s backbone (a recognizer's; or ``model`` itself if it has none) run frozen by TorchScript
    when called in eval mode without gradients on float32 CPU tensors. Returns ``model`` (changed in place; the
    parameters and ``state_dict`` are untouched). Call it after :func:`~mg_posec3d.models.precision.set_precision`."""
    part = _part(model)
    if _KEY in part.__dict__:
        return model
    eager = part.forward
    cache: dict = {}

    def forward(x, *args, **kwargs):
        usable = (not args and not kwargs and isinstance(x, torch.Tensor) and x.device.type == 'cpu'
                  and x.dtype == torch.float32 and not part.training and not torch.is_grad_enabled()
                  and not torch.is_autocast_enabled('cpu'))
        if not usable:
            return eager(x, *args, **kwargs)
        key = tuple(x.shape[1:])
        if key not in cache:
            out = eager(x)
            try:
                frozen = _trace(part, x)
                ok = _agree(out, frozen(x))
                why = 'its output differs from the eager forward'
            except Exception as exc:  # noqa: BLE001  (any TorchScript failure: keep the eager forward)
                ok, why = False, f'{type(exc).__name__}: {exc}'.splitlines()[0]
            cache[key] = frozen if ok else None
            if not ok:
                warnings.warn(f'{type(part).__name__}: TorchScript freezing not used for input {list(key)} ({why}); '
                              'running eager PyTorch', stacklevel=2)
            return out
        frozen = cache[key]
        return eager(x) if frozen is None else frozen(x)

    part.__dict__[_KEY] = cache
    part.forward = forward
    return model


def is_frozen(model: nn.Module) -> bool:
    """Whether :func:`freeze_for_cpu_inference` has traced a frozen graph for ``model`` that is in use."""
    return any(v is not None for v in _part(model).__dict__.get(_KEY, {}).values())
