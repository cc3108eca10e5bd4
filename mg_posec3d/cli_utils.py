"""How every command-line tool ends on a failure: one ``error: ...`` line on stderr and exit status 2.

A tool's ``main(argv)`` is wrapped with :func:`cli_main` (or its work is run through :func:`run_cli`), and
the tool's parser gets :func:`add_debug_argument`. Then:

- an error we word ourselves (:class:`UserError`, or an ``OSError`` / ``ValueError`` / unpickling or import
  error raised in this package or in ``tools/``, whose messages name the file, sample and field) prints
  ``error: <message>``;
- anything else (say a ``KeyError`` deep inside mmengine) prints
  ``error: <type>: <message> (run with --debug for the traceback)``;
- ``--debug`` lets the exception propagate, so Python prints the full traceback;
- Ctrl-C prints ``interrupted`` and exits 130 (the shell's code for SIGINT), without a traceback.

The module itself imports only the standard library (``apis`` re-exports its ``UserError``).
"""
from __future__ import annotations

import argparse
import functools
import os
import pickle
import sys
from collections.abc import Callable, Sequence

DEBUG_FLAG = '--debug'
EXIT_ERROR = 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, what shells report for Ctrl-C

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
_OUR_CODE = (_PACKAGE_DIR + os.sep, os.path.join(os.path.dirname(_PACKAGE_DIR), 'tools') + os.sep)
# exception types whose messages we write to be read as they are (they name the file / sample / field)
_WORDED = (OSError, ValueError, pickle.UnpicklingError, ImportError)


class UserError(Exception):
    """A problem with what the user passed (file, option); the tools print it without a traceback."""


def _raised_in_our_code(e: BaseException) -> bool:
    tb, where = e.__traceback__, None
    while tb is not None:
        where, tb = tb.tb_frame.f_code.co_filename, tb.tb_next
    return where is not None and os.path.abspath(where).startswith(_OUR_CODE)


def error_line(e: BaseException) -> str:
    """The one line (possibly continued over several, but with one ``error:``) a tool prints for ``e``."""
    message = str(e).strip()
    ours = type(e).__module__.startswith('mg_posec3d.') or isinstance(e, _WORDED)
    if message and (isinstance(e, UserError) or (ours and _raised_in_our_code(e))):
        return f'error: {message}'
    return f'error: {type(e).__name__}{": " + message if message else ""} (run with {DEBUG_FLAG} for the traceback)'


def run_cli(fn: Callable[..., int], *args, debug: bool = False, **kwargs) -> int:
    """``fn(*args, **kwargs)`` with the tools' failure rule (see the module docstring); returns the exit code."""
    try:
        return fn(*args, **kwargs)
    except KeyboardInterrupt:
        if debug:
            raise
        print('interrupted', file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as e:  # noqa: BLE001 - the point: no exception reaches the user as a bare traceback
        if debug:
            raise
        print(error_line(e), file=sys.stderr)
        return EXIT_ERROR


def wants_debug(argv: Sequence) -> bool:
    """Whether ``--debug`` is among the options (not after a ``--``)."""
    argv = [str(a) for a in argv]
    return DEBUG_FLAG in (argv[:argv.index('--')] if '--' in argv else argv)


def cli_main(main: Callable[[Sequence[str] | None], int]) -> Callable[[Sequence[str] | None], int]:
    """Decorator for a tool's ``main(argv=None) -> int``: failures become one ``error:`` line and exit 2."""
    @functools.wraps(main)
    def wrapper(argv: Sequence[str] | None = None) -> int:
        return run_cli(main, argv, debug=wants_debug(sys.argv[1:] if argv is None else argv))
    return wrapper


def require_at_least(args: argparse.Namespace, **least: int) -> None:
    """``UserError`` naming the first option (``dest`` = its least value) given below its least value; options
    left unset (``None``) pass."""
    for dest, low in least.items():
        value = getattr(args, dest)
        if value is not None and value < low:
            raise UserError(f"--{dest.replace('_', '-')} must be >= {low}, got {value}")


def add_debug_argument(parser: argparse.ArgumentParser) -> None:
    """The ``--debug`` option every tool has (read by :func:`cli_main` before parsing)."""
    if DEBUG_FLAG not in parser._option_string_actions:
        parser.add_argument(DEBUG_FLAG, action='store_true',
                            help='on an error show the full traceback (default: one "error: ..." line, exit 2)')
