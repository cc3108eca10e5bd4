"""Inference precision for the 3D CNN: ``fp32`` (default) or ``bf16`` (torch autocast, CPU or CUDA).

``set_precision(model, 'bf16')`` runs the recognizer's backbone (and neck) under
``torch.autocast(dtype=torch.bfloat16)`` on the input's device and hands float32 features to the head, so
scores, metrics and score dumps stay float32. It works inside mmengine's test loop (which opens its own
``autocast(enabled=fp16)`` around ``test_step``: the innermost context wins).

CPUs with AVX512-BF16 / AMX run bf16 convolutions through oneDNN several times faster; elsewhere bf16 is
emulated and can be slower (``tools/analysis/benchmark.py`` measures it). ``channels_last=True`` additionally
converts the backbone to the channels-last-3d memory format (measured, not assumed, to help).
"""
from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch
from torch import nn

PRECISIONS = ('fp32', 'bf16')


def check_precision(precision: str) -> str:
    if precision not in PRECISIONS:
        raise ValueError(f'precision must be one of {PRECISIONS}, got {precision!r}')
    return precision


def bf16_supported(device_type: str = 'cpu') -> bool:
    """Whether bf16 runs natively (not emulated) on this machine's CPU / current CUDA device."""
    if device_type == 'cuda':
        return torch.cuda.is_available() and torch.cuda.is_bf16_supported()
    return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())


@contextlib.contextmanager
def autocast(precision: str, device_type: str = 'cpu') -> Iterator[None]:
    """``torch.autocast`` for ``precision`` ('fp32': no-op) on ``device_type`` ('cpu' or 'cuda')."""
    if check_precision(precision) == 'fp32':
        yield
        return
    with torch.autocast(device_type=device_type, dtype=torch.bfloat16):
        yield


def _to_float32(x):
    if isinstance(x, torch.Tensor):
        return x.float() if x.is_floating_point() else x
    if isinstance(x, (tuple, list)):
        return type(x)(_to_float32(v) for v in x)
    if isinstance(x, dict):
        return {k: _to_float32(v) for k, v in x.items()}
    return x


def _first_tensor(args, kwargs) -> torch.Tensor | None:
    for v in list(args) + list(kwargs.values()):
        if isinstance(v, torch.Tensor):
            return v
    return None


def _wrap(module: nn.Module, precision: str, channels_last: bool) -> None:
    """Replace ``module.forward`` (instance attribute) by one under ``precision``; idempotent."""
    orig = module.__dict__.get('_mg_orig_forward', module.forward)
    if precision == 'fp32' and not channels_last:
        module.__dict__.pop('forward', None)
        module.__dict__.pop('_mg_orig_forward', None)
        return

    def forward(*args, **kwargs):
        x = _first_tensor(args, kwargs)
        device_type = x.device.type if x is not None else 'cpu'
        if channels_last and args and isinstance(args[0], torch.Tensor) and args[0].ndim == 5:
            args = (args[0].contiguous(memory_format=torch.channels_last_3d), ) + tuple(args[1:])
        with autocast(precision, device_type):
            out = orig(*args, **kwargs)
        return _to_float32(out) if precision != 'fp32' else out

    module.__dict__['_mg_orig_forward'] = orig
    module.forward = forward


def set_precision(model: nn.Module, precision: str = 'fp32', channels_last: bool | None = None) -> nn.Module:
    """Run ``model``'s backbone and neck (a recognizer; or the whole ``model`` if it has no backbone) in
    ``precision``, and in channels-last-3d memory format if ``channels_last`` (default: with bf16, where
    it measured ~1.5x faster than bf16 alone on an AVX512-BF16 CPU; it does not help fp32 there).
    Returns ``model`` (changed in place; ``fp32`` without ``channels_last`` restores the original
    forward)."""
    check_precision(precision)
    if channels_last is None:
        channels_last = precision == 'bf16'
    target = getattr(model, 'module', model)  # (Distributed)DataParallel
    parts = [m for m in (getattr(target, 'backbone', None), getattr(target, 'neck', None)) if m is not None]
    for part in parts or [target]:
        part.to(memory_format=torch.channels_last_3d if channels_last else torch.contiguous_format)
        _wrap(part, precision, channels_last)
    return model
