"""Loading model checkpoints: one function, one rule, used by every reader (test, ensemble, demo, resume,
``load_from`` and anything mmengine loads from a local file, see ``compat.fix_checkpoint_loading``).

The rule: a checkpoint is loaded with ``torch.load(weights_only=True)`` (tensors and plain data; torch's own
allow-list plus mmengine's ``HistoryBuffer``, nothing from numpy), unless the user trusts that very file
(``--trust-checkpoint``, scoped to the file with :func:`trusted_checkpoint`). Text that mmengine would run as
Python (``meta['config']``, ``meta['cfg']`` and the message hub's ``cfg``: ``Config.fromstring``) is dropped
from what is returned, trusted or not. Errors are one line naming the file: refused (what it references),
truncated/corrupt, or not a checkpoint.

Fitting a checkpoint to a model (:func:`compare_state_dicts`) lists the tensors the model gets, and those
missing, of another shape, or unexpected, so callers can refuse a checkpoint that fits nothing.
"""
from __future__ import annotations

import contextlib
import os
import pickle
import re
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

_TRUSTED: set[str] = set()


class CheckpointError(ValueError):
    """A checkpoint that cannot be used: refused, unreadable, or not for this model."""


@contextlib.contextmanager
def trusted_checkpoint(path: str | os.PathLike) -> Iterator[None]:
    """Within the block, :func:`load_checkpoint` (and mmengine, through it) fully unpickles ``path`` only."""
    key = os.path.realpath(path)
    added = key not in _TRUSTED
    _TRUSTED.add(key)
    try:
        yield
    finally:
        if added:
            _TRUSTED.discard(key)


# mmengine runs these strings as Python: Runner.resume (meta.config), BaseInferencer (message hub / meta cfg)
CODE_FIELDS = (('meta', 'config'), ('meta', 'cfg'), ('message_hub', 'runtime_info', 'cfg'))


def without_code_fields(checkpoint):
    """``checkpoint`` without the config texts mmengine would execute (see ``CODE_FIELDS``)."""
    if not isinstance(checkpoint, dict):
        return checkpoint
    for path in CODE_FIELDS:
        holder = checkpoint
        for key in path[:-1]:
            holder = holder.get(key) if isinstance(holder, dict) else None
        if isinstance(holder, dict):
            holder.pop(path[-1], None)
    return checkpoint


def _refused_because(error: BaseException) -> str | None:
    """What a weights-only refusal names ('it references posix.system'); None if the file is just broken."""
    text = f'{error} {error.__context__ or ""}'
    found = re.search(r'GLOBAL ([\w.]+)', text)
    if found:
        return f'it references {found.group(1)}, which is not plain data'
    found = re.search(r'(unrecognized function|Can only build [^,]*, but got|Can only create new object[^,]*'
                      r' but got) ([^\n]+)', text)
    if found:
        return f'it builds {found.group(2)[:80]}, which is not plain data'
    return None


def load_checkpoint(path: str | os.PathLike, trust: bool = False, map_location='cpu') -> dict:
    """Load a local checkpoint under the rule above; return the whole checkpoint dict (``state_dict``,
    ``meta``, ...) without the fields in ``CODE_FIELDS``."""
    import torch

    path = os.fspath(path)
    if '://' in path:
        raise CheckpointError(f'checkpoint {path}: give a local file (weights are never downloaded here)')
    if not os.path.isfile(path):
        raise FileNotFoundError(f'checkpoint {path} does not exist')
    trust = trust or os.path.realpath(path) in _TRUSTED
    try:
        checkpoint = torch.load(path, map_location=map_location, weights_only=not trust)
    except Exception as e:  # noqa: BLE001 - a hostile or broken file can raise nearly anything
        why = None if trust or not isinstance(e, pickle.UnpicklingError) else _refused_because(e)
        if why:
            raise CheckpointError(f'checkpoint {path} could not be loaded with weights_only=True: {why}. If it '
                                  'comes from a source you trust, pass --trust-checkpoint.') from None
        cause = e.__context__ if isinstance(e, pickle.UnpicklingError) and e.__context__ else e
        first = (str(cause).strip().splitlines() or [''])[0].split('. ')[0][:160]
        raise CheckpointError(f'checkpoint {path} is not a readable checkpoint (truncated or corrupt?): '
                              f'{type(cause).__name__}' + (f': {first}' if first else '')) from None
    if not isinstance(checkpoint, dict):
        raise CheckpointError(f'checkpoint {path} holds a {type(checkpoint).__name__}, not a dict of weights')
    return without_code_fields(checkpoint)


def state_dict_of(checkpoint: Mapping) -> dict:
    """The weights of a checkpoint (``state_dict`` or the checkpoint itself), without DDP's ``module.``
    prefix (as mmengine strips it), keeping torch's ``_metadata``."""
    state = checkpoint.get('state_dict', checkpoint)
    if not isinstance(state, Mapping):
        return {}
    out = OrderedDict((re.sub(r'^module\.', '', k), v) for k, v in state.items())
    if hasattr(state, '_metadata'):
        out._metadata = state._metadata
    return out


@dataclass
class FitReport:
    """How a checkpoint's tensors fit a model's ``state_dict`` (parameters and persistent buffers)."""
    total: int
    loaded: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    mismatched: list[tuple[str, tuple, tuple]] = field(default_factory=list)  # key, checkpoint, model shape
    unexpected: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.missing and not self.mismatched

    def counts(self) -> str:
        return (f'{len(self.loaded)} of {self.total} model tensors loaded, {len(self.mismatched)} skipped (shape '
                f'mismatch), {len(self.unexpected)} unexpected (skipped), {len(self.missing)} missing')

    def problems(self, limit: int = 3) -> str:
        parts = []
        if self.missing:
            parts.append(f'{len(self.missing)} of {self.total} model tensors missing (e.g. '
                         f'{", ".join(map(repr, self.missing[:limit]))})')
        if self.mismatched:
            shown = ', '.join(f'{k!r}: {tuple(c)} in the checkpoint, {tuple(m)} in the model'
                              for k, c, m in self.mismatched[:limit])
            parts.append(f'{len(self.mismatched)} with another shape (e.g. {shown})')
        if self.unexpected:
            parts.append(f'{len(self.unexpected)} unexpected')
        return '; '.join(parts)


def compare_state_dicts(model_state: Mapping, checkpoint_state: Mapping) -> FitReport:
    """Compare a model's ``state_dict()`` with a checkpoint's weights, key by key and shape by shape."""
    report = FitReport(total=len(model_state))
    for key, value in model_state.items():
        if key not in checkpoint_state:
            report.missing.append(key)
            continue
        have = getattr(checkpoint_state[key], 'shape', None)
        if have is None or tuple(have) != tuple(value.shape):
            report.mismatched.append((key, tuple(have) if have is not None else ('not a tensor',),
                                      tuple(value.shape)))
        else:
            report.loaded.append(key)
    report.unexpected = [k for k in checkpoint_state if k not in model_state]
    return report


def require_fit(model_state: Mapping, checkpoint_state: Mapping, path: str, config: str | None) -> FitReport:
    """Raise ``CheckpointError`` unless every model tensor is in the checkpoint with the right shape."""
    report = compare_state_dicts(model_state, checkpoint_state)
    if not report.ok:
        target = f'the model of {config}' if config else 'the model'
        raise CheckpointError(f'checkpoint {path} does not fit {target}: {report.problems()}. Wrong checkpoint '
                              'for this config?')
    return report
