"""What the spotting tools share: the error convention and output-file checks."""
from __future__ import annotations

import os
import pickle
import sys
import traceback
from collections.abc import Callable, Iterable

# errors a user can fix (bad file, bad option); anything else is a bug and keeps its traceback
USER_ERRORS = (OSError, ValueError, KeyError, ImportError, pickle.UnpicklingError)


def run_tool(body: Callable[[], int], debug: bool = False) -> int:
    """Run a tool's body: a user error becomes one ``error: ...`` line on stderr and exit status 2 (the full
    traceback too with ``--debug``)."""
    try:
        return body()
    except USER_ERRORS as e:
        if debug:
            traceback.print_exc()
        msg = str(e) if not isinstance(e, KeyError) else f'missing field {e}'
        print(f'error: {msg}', file=sys.stderr)
        return 2


def refuse_existing(paths: Iterable[str], overwrite: bool) -> None:
    """Raise ``FileExistsError`` naming the first output that exists, unless ``overwrite``."""
    if overwrite:
        return
    for p in paths:
        if os.path.exists(p):
            raise FileExistsError(f'{p} exists; pass --overwrite to replace it')
