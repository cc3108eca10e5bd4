"""The few array functions the heatmap renderer (``render.py``) is written against, for NumPy and torch.

The renderer runs on NumPy on the CPU (NumPy's ``exp``/``repeat`` are several times faster than torch's there)
and on torch on any device; only these functions differ between the two.
"""
from __future__ import annotations

import numpy as np
import torch


class NumpyOps:
    minimum, maximum, stack, exp, trunc = np.minimum, np.maximum, np.stack, np.exp, np.trunc

    @staticmethod
    def f32(x):
        return x.astype(np.float32)

    @staticmethod
    def f64(x):
        return x.astype(np.float64)

    @staticmethod
    def i64(x):
        return x.astype(np.int64)

    @staticmethod
    def arange(n, like):
        return np.arange(n, dtype=np.int64)

    @staticmethod
    def index(values, like):
        return np.asarray(values, dtype=np.int64)

    @staticmethod
    def cumsum(x):
        return np.cumsum(x)

    @staticmethod
    def nonzero(mask):
        return np.flatnonzero(mask)

    @staticmethod
    def clip_(x, lo, hi):
        # np.clip is slow for small arrays in NumPy 1.x
        if lo is not None:
            np.maximum(x, lo, out=x)
        if hi is not None:
            np.minimum(x, hi, out=x)
        return x

    @staticmethod
    def repeat(x, counts, total):
        """Repeat along the last axis."""
        return np.repeat(x, counts, axis=-1)

    @staticmethod
    def gauss_(arg):
        """exp(arg) in place (NumPy's exp is fast for underflowing arguments)."""
        return np.exp(arg, out=arg)

    @staticmethod
    def select_(cond, a, b):
        """where(cond, a, b), written into b."""
        np.copyto(b, a, where=cond)
        return b

    @staticmethod
    def scatter_max(flat, idx, val):
        # torch's scatter-max is the fastest CPU kernel for this (handles repeated indices); zero-copy views
        val = torch.from_numpy(np.ascontiguousarray(val).reshape(-1))
        torch.from_numpy(flat).scatter_reduce_(0, torch.from_numpy(idx.reshape(-1)), val, 'amax')


class TorchOps:
    minimum, maximum, stack, exp, trunc = torch.minimum, torch.maximum, torch.stack, torch.exp, torch.trunc

    @staticmethod
    def f32(x):
        return x.to(torch.float32)

    @staticmethod
    def f64(x):
        return x.to(torch.float64)

    @staticmethod
    def i64(x):
        return x.to(torch.int64)

    @staticmethod
    def arange(n, like):
        return torch.arange(n, device=like.device)

    @staticmethod
    def index(values, like):
        return torch.as_tensor(values, dtype=torch.int64, device=like.device)

    @staticmethod
    def cumsum(x):
        return torch.cumsum(x, 0)

    @staticmethod
    def nonzero(mask):
        return torch.nonzero(mask).reshape(-1)

    @staticmethod
    def clip_(x, lo, hi):
        return x.clamp_(lo, hi)

    @staticmethod
    def repeat(x, counts, total):
        return torch.repeat_interleave(x, counts, dim=-1, output_size=total)

    @staticmethod
    def gauss_(arg):
        # torch's CPU exp is very slow where the result underflows to a denormal; factors below exp(-35)
        # (< 7e-16) are written as 0, so that products of two factors and a score stay normal floats
        tiny = arg < -35.0
        return arg.clamp_(min=-35.0).exp_().masked_fill_(tiny, 0)

    @staticmethod
    def select_(cond, a, b):
        return torch.where(cond, a, b)

    @staticmethod
    def scatter_max(flat, idx, val):
        flat.scatter_reduce_(0, idx.reshape(-1), val.reshape(-1), 'amax')


def ops_for(x) -> type[NumpyOps] | type[TorchOps]:
    """The backend of an array: TorchOps for a torch tensor (any device), NumpyOps otherwise."""
    return TorchOps if isinstance(x, torch.Tensor) else NumpyOps
