"""Inference precision for the 3D CNN: ``fp32`` (default) or ``bf16`` (torch autocast, CPU or CUDA).

``set_precision(model, 'bf16')`` runs the recognizer's backbone (and neck) under
``torch.autocast(dtype=torch.bfloat16)`` on the input's device and hands float32 features to the head, so
scores, metrics and score dumps stay float32. It works inside mmengine's test loop (which opens its own
``autocast(enabled=fp16)`` around ``test_step``: the innermost context wins).

CPUs with AVX512-BF16 / AMX run bf16 convolutions through oneDNN several times faster; elsewhere bf16 is
emulated and can be slower (``tools/analysis/benchmark.py`` measures it). ``channels_last=True`` additionally
converts the backbone to the channels-last-3d memory format (measured, not assumed, to help).
:func:`plan_training` resolves the same choices for training (``tools/train.py --precision``).
"""
from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass

import torch
from torch import nn

PRECISIONS = ('fp32', 'bf16')


def check_precision(precision: str) -> str:
    if precision not in PRECISIONS:
        raise ValueError(f'precision must be one of {PRECISIONS}, got {precision!r}')
    return precision


# x86: AVX512-BF16 or AMX-BF16 (Cooper Lake, Sapphire Rapids, Zen 4+); Arm: the BF16 extension.
NATIVE_BF16_FLAGS = ('avx512_bf16', 'amx_bf16', 'bf16')


def cpu_flags(cpuinfo: str = '/proc/cpuinfo') -> set[str]:
    """The CPU feature flags the kernel reports (x86 ``flags``, Arm ``Features``); empty where unreadable."""
    try:
        with open(cpuinfo, encoding='utf-8') as f:
            for line in f:
                key, _, value = line.partition(':')
                if key.strip() in ('flags', 'Features'):
                    return set(value.split())
    except OSError:
        pass
    return set()


def bf16_supported(device_type: str = 'cpu', cpuinfo: str = '/proc/cpuinfo') -> bool:
    """Whether bf16 runs natively (not emulated) on this machine's CPU / current CUDA device.

    The CPU answer comes from the CPU flags, not from oneDNN: ``torch.ops.mkldnn._is_mkldnn_bf16_supported()``
    also says yes on plain AVX-512 CPUs, where bf16 is emulated and measured slower than fp32 (docs/speed.md)."""
    if device_type == 'cuda':
        return torch.cuda.is_available() and torch.cuda.is_bf16_supported()
    return bool(cpu_flags(cpuinfo) & set(NATIVE_BF16_FLAGS))


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
        # channels-last-3d is a 5-D format: 2-D CNNs and graph networks (TSN, ST-GCN) keep theirs
        last = channels_last and any(p.dim() == 5 for p in part.parameters())
        if last or not channels_last:
            part.to(memory_format=torch.channels_last_3d if last else torch.contiguous_format)
        _wrap(part, precision, last)
    return model


# ----------------------------------------------------------------------------------------------- training
TRAIN_PRECISIONS = ('auto', 'fp32', 'bf16', 'amp')


@dataclass(frozen=True)
class TrainPrecision:
    """How a training run computes: ``precision`` 'fp32' | 'bf16' | 'amp' (CUDA fp16 autocast with loss
    scaling) on ``device`` 'cpu' | 'cuda', the backbone in channels-last-3d or not; ``notice``: why this differs
    from what was asked (one line), or None."""

    precision: str
    device: str
    channels_last: bool
    notice: str | None = None

    def configure(self, cfg) -> None:
        """Before the Runner is built: on CUDA, AMP and bf16 use mmengine's ``AmpOptimWrapper`` (autocast around
        the whole train step, dynamic loss scaling for fp16). On the CPU :meth:`apply` does the work."""
        if self.device == 'cuda' and self.precision in ('amp', 'bf16'):
            cfg.optim_wrapper.type = 'AmpOptimWrapper'
            cfg.optim_wrapper.loss_scale = 'dynamic'
            if self.precision == 'bf16':
                cfg.optim_wrapper.dtype = 'bfloat16'

    def apply(self, model: nn.Module) -> nn.Module:
        """CPU bf16: the backbone (and neck) under bf16 autocast with float32 features out, so the head, the loss,
        the gradients of the float32 parameters and the optimizer state stay float32. Channels-last: the
        backbone's weights and input in channels-last-3d memory format (any precision, any device)."""
        cpu_bf16 = self.device == 'cpu' and self.precision == 'bf16'
        if cpu_bf16 or self.channels_last:
            set_precision(model, 'bf16' if cpu_bf16 else 'fp32', channels_last=self.channels_last)
        return model

    def describe(self) -> str:
        what = {'fp32': 'float32', 'bf16': 'bf16 autocast', 'amp': 'AMP (fp16 autocast, dynamic loss scaling)'}
        return f'{what[self.precision]} on {self.device}' + (', channels-last-3d' if self.channels_last else '')


_NO_NATIVE = 'this CPU has no native bf16 (no avx512_bf16 / amx_bf16 flag in /proc/cpuinfo)'


def plan_training(precision: str = 'fp32', channels_last: bool = False, allow_emulated_bf16: bool = False,
                  cuda: bool | None = None, native_bf16: bool | None = None) -> TrainPrecision:
    """Resolve a requested training precision on this machine (``cuda`` / ``native_bf16``: detected by default).

    'auto': AMP on CUDA, bf16 on CPUs with native bf16, else fp32. 'bf16' on a CPU without native bf16 falls
    back to fp32 (emulated bf16 measured slower than fp32) unless ``allow_emulated_bf16``; on a GPU without bf16
    it becomes AMP. 'amp' needs CUDA (fp32 on the CPU). Every fallback carries a one-line ``notice``."""
    if precision not in TRAIN_PRECISIONS:
        raise ValueError(f'precision must be one of {TRAIN_PRECISIONS}, got {precision!r}')
    cuda = torch.cuda.is_available() if cuda is None else cuda
    device = 'cuda' if cuda else 'cpu'
    native_bf16 = bf16_supported(device) if native_bf16 is None else native_bf16
    run, notice = precision, None
    if precision == 'auto':
        run = 'amp' if cuda else 'bf16' if native_bf16 else 'fp32'
        if run == 'fp32':
            notice = f'precision auto: fp32, {_NO_NATIVE}'
    elif precision == 'amp' and not cuda:
        run, notice = 'fp32', 'precision amp: AMP (fp16) needs a CUDA GPU; training in fp32 on the CPU'
    elif precision == 'bf16' and not native_bf16:
        if cuda:
            run, notice = 'amp', 'precision bf16: this GPU has no bf16 support; using AMP (fp16) instead'
        elif allow_emulated_bf16:
            notice = f'precision bf16: {_NO_NATIVE}; running it emulated as asked (slower than fp32 here)'
        else:
            run, notice = 'fp32', (f'precision bf16: {_NO_NATIVE}, so training runs in fp32 '
                                   '(--allow-emulated-bf16 forces bf16)')
    return TrainPrecision(run, device, bool(channels_last), notice)
