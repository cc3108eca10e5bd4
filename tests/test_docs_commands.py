"""Every command shown in README.md and docs/*.md still works as written, short of running it.

For each shell code block: a ``python tools/X.py ...`` line names a tool that exists, whose ``--help`` works and
whose argument parser accepts the line's arguments (the tool runs in this process with ``parse_args`` stopped
right after parsing, so nothing is loaded or written); ``bash tools/X.sh`` names a script that exists; every
``configs/...py`` named exists; every ``make TARGET`` is a target of the Makefile. Anywhere in the text, a
``tools/X.py`` or ``configs/X.py`` mentioned must exist. Shell variables ($JOINT) stay as placeholder strings and
``[--optional args]`` brackets are read as given.
"""
from __future__ import annotations

import argparse
import contextlib
import glob
import io
import os
import re
import runpy
import shlex
import sys
from unittest import mock

import pytest

from tests.conftest import REPO

DOCS = ['README.md'] + sorted(os.path.relpath(p, REPO) for p in glob.glob(os.path.join(REPO, 'docs', '*.md')))
FENCE = re.compile(r'^```[^\n]*\n(.*?)^```', re.S | re.M)
# a path mentioned in prose or code, not the tail of a longer path such as tests/tools/test_x.py, nor a placeholder
# such as tools/X.py or configs/...py (real file names start in lower case)
MENTION = re.compile(r'(?<![\w./-])((?:tools|configs|demo)/(?:[\w-]+/)*[a-z_][\w-]*\.(?:py|sh))\b')
PYTHON = re.compile(r'(^|/)python3?$')


def _read(doc: str) -> str:
    with open(os.path.join(REPO, doc), encoding='utf8') as f:
        return f.read()


def _commands(block: str) -> list[list[str]]:
    """Shell commands of a code block as argv lists: continuation lines joined, comments dropped, split at
    ``&&``, ``;`` and ``|``, leading ``VAR=value`` assignments removed."""
    text = re.sub(r'\\\n', ' ', block)
    out = []
    for line in text.splitlines():
        try:
            tokens = shlex.split(line, comments=True)
        except ValueError:  # an unbalanced quote: not a shell line (output shown in a block)
            continue
        cmd: list[str] = []
        for tok in tokens + [';']:
            if tok in ('&&', ';', '|', '||'):
                while cmd and re.fullmatch(r'[A-Za-z_]\w*=.*', cmd[0]):
                    cmd.pop(0)
                if cmd:
                    out.append(cmd)
                cmd = []
            else:
                tok = tok.strip('[]')  # [--optional value] in a usage line: check the option as if given
                if tok and tok not in ('...', '…'):
                    cmd.append(tok)
    return out


def _doc_commands() -> list[tuple[str, list[str]]]:
    return [(doc, cmd) for doc in DOCS for block in FENCE.findall(_read(doc)) for cmd in _commands(block)]


def _tool_calls() -> list[tuple[str, str, list[str]]]:
    """(doc, tools/X.py, arguments) of every ``python tools/X.py ...`` in a code block."""
    return [(doc, cmd[1], cmd[2:]) for doc, cmd in _doc_commands()
            if len(cmd) > 1 and PYTHON.search(cmd[0]) and cmd[1].startswith(('tools/', 'demo/'))
            and cmd[1].endswith('.py')]


class _Parsed(BaseException):
    """Raised right after a tool's arguments parsed (a BaseException, so the tools' error handling lets it by)."""


def _parse_only(tool: str, argv: list[str]) -> tuple[str, str]:
    """Run ``tool`` as ``__main__`` with ``argv`` until its parser has parsed them: ('parsed' | 'exit N', output)."""
    original = argparse.ArgumentParser.parse_args

    def parse_then_stop(self, args=None, namespace=None):
        original(self, args, namespace)
        raise _Parsed

    out = io.StringIO()
    with mock.patch.object(argparse.ArgumentParser, 'parse_args', parse_then_stop), \
            mock.patch.object(sys, 'argv', [tool, *argv]), contextlib.redirect_stdout(out), \
            contextlib.redirect_stderr(out):
        try:
            runpy.run_path(os.path.join(REPO, tool), run_name='__main__')
        except _Parsed:
            return 'parsed', out.getvalue()
        except SystemExit as e:
            return f'exit {e.code}', out.getvalue()
    return 'returned without parsing', out.getvalue()


def test_the_docs_show_commands():
    calls = _tool_calls()
    assert len(calls) >= 20 and {'tools/train.py', 'tools/test.py'} <= {t for _, t, _ in calls}


def test_every_tool_in_the_docs_answers_help_and_parses_the_shown_arguments():
    calls = _tool_calls()
    problems = []
    for tool in sorted({t for _, t, _ in calls}):
        if not os.path.isfile(os.path.join(REPO, tool)):
            problems.append(f'{tool}: no such tool')
            continue
        status, out = _parse_only(tool, ['--help'])
        if status != 'exit 0' or not out.startswith('usage: '):
            problems.append(f'{tool} --help: {status}: {out[-300:]}')
    for doc, tool, argv in calls:
        if os.path.isfile(os.path.join(REPO, tool)):
            status, out = _parse_only(tool, argv)
            if status != 'parsed':
                problems.append(f'{doc}: {tool} {shlex.join(argv)}: {status}: {out.strip()[-300:]}')
    assert not problems, '\n'.join(problems)


def test_every_config_script_and_make_target_in_the_docs_exists():
    makefile = _read('Makefile')
    targets = set(re.findall(r'^([\w.-]+)\s*:(?!=)', makefile, re.M))
    problems = []
    for doc, cmd in _doc_commands():
        if cmd[0] == 'make':
            problems += [f'{doc}: make {t}: no such target' for t in cmd[1:] if not t.startswith('-')
                         and '=' not in t and t not in targets]
        if cmd[0] in ('bash', 'sh') and len(cmd) > 1 and not os.path.isfile(os.path.join(REPO, cmd[1])):
            problems.append(f'{doc}: {cmd[1]}: no such script')
    for doc in DOCS:
        for path in sorted(set(MENTION.findall(_read(doc)))):
            if not os.path.isfile(os.path.join(REPO, path)):
                problems.append(f'{doc}: {path} does not exist')
    assert not problems, '\n'.join(problems)


def test_mentions_are_real_paths_not_placeholders():
    text = 'see tools/test.py, tools/analysis/plot_curves.py and configs/demo/joint.py; not tests/tools/test_x.py, ' \
           'tools/X.py or configs/...py; bash tools/dist_train.sh'
    assert MENTION.findall(text) == ['tools/test.py', 'tools/analysis/plot_curves.py', 'configs/demo/joint.py',
                                     'tools/dist_train.sh']


@pytest.mark.parametrize('block, expected', [
    ('A=1 python tools/x.py a \\\n  --b 2  # note\nmake demo && make test\n',
     [['python', 'tools/x.py', 'a', '--b', '2'], ['make', 'demo'], ['make', 'test']]),
    ('python demo/demo.py v.mp4 [--label-names l.txt] ...\n', [['python', 'demo/demo.py', 'v.mp4', '--label-names',
                                                                 'l.txt']]),
])
def test_command_extraction(block, expected):
    assert _commands(block) == expected


def test_a_stale_option_is_caught(capsys):
    """The check itself can fail: an option the tool does not have is reported, not parsed."""
    assert _parse_only('tools/train.py', ['configs/joint.py', '--no-such-option'])[0] == 'exit 2'
    assert _parse_only('tools/train.py', ['configs/joint.py', '--seed', '1'])[0] == 'parsed'
