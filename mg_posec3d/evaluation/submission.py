"""MiGA challenge submission files: write, validate, and read back.

- ``miga2023`` (Codalab, MiGA 2023 track 1): ``Submission.csv`` with no header, one line
  ``<video>_<clip>,<label>`` per test clip (0-based labels), zipped as ``Submission.zip`` with the csv at
  the zip root.
- ``miga2025`` (Kaggle): ``prediction.csv`` with header ``Id,Target``, the same rows, zipped as
  ``prediction.zip``.

The test ids come from the test annotation file (``frame_dir`` of each annotation of the split, in file order,
which is the order mmaction2/PYSKL datasets load them in). Every file is validated before it is written and
read back after: every test id exactly once, no other id, every label an int in [0, num_classes). The MiGA
2023 winning team's own id list had a truncated duplicate id; this is the check that catches it.
"""
from __future__ import annotations

import os
import re
import zipfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..fileio import atomic_open, check_outputs, safe_load_pickle
from .metrics import ranked_classes


class SubmissionError(ValueError):
    """A submission (or the data it is built from) that would be rejected or scored wrongly."""


@dataclass(frozen=True)
class SubmissionFormat:
    name: str
    csv_name: str
    zip_name: str
    header: tuple[str, str] | None
    description: str


FORMATS: dict[str, SubmissionFormat] = {
    'miga2023': SubmissionFormat('miga2023', 'Submission.csv', 'Submission.zip', None,
                                 'MiGA 2023 (Codalab): Submission.csv, no header, <video>_<clip>,<label>'),
    'miga2025': SubmissionFormat('miga2025', 'prediction.csv', 'prediction.zip', ('Id', 'Target'),
                                 'MiGA 2025 (Kaggle): prediction.csv, header Id,Target'),
}

_INT_RE = re.compile(r'[+-]?\d+')
_BAD_ID_CHARS = re.compile(r'[,"\r\n]')


def get_format(name: str) -> SubmissionFormat:
    if name not in FORMATS:
        raise SubmissionError(f'unknown submission format {name!r}; choose from {sorted(FORMATS)}')
    return FORMATS[name]


def _preview(items, n: int = 5) -> str:
    items = list(items)
    more = f', ... ({len(items) - n} more)' if len(items) > n else ''
    return ', '.join(repr(i) for i in items[:n]) + more


# ------------------------------------------------------------------------------------------------ test ids
def load_test_ids(ann_file: str | os.PathLike, split: str | None = 'test') -> list[str]:
    """``frame_dir`` of the annotations in ``split`` (all annotations if None), in annotation-file order.

    Refuses duplicate ids, split entries without an annotation, and annotations without ``frame_dir``.
    """
    return [str(a['frame_dir']) for a in load_split_annotations(ann_file, split)]


def load_split_annotations(ann_file: str | os.PathLike, split: str | None = 'test') -> list[dict]:
    """The annotations of ``split`` (all if None) in annotation-file order, the order mmaction2/PYSKL datasets
    test them in; checked as for :func:`load_test_ids`."""
    return split_annotations(safe_load_pickle(ann_file), split, os.fspath(ann_file))


def split_annotations(data, split: str | None, name: str) -> list[dict]:
    """:func:`load_split_annotations` on an annotation file already loaded (``name``: the file, for messages)."""
    if isinstance(data, dict):
        anns, splits = data.get('annotations'), data.get('split')
    elif isinstance(data, list):
        anns, splits = data, None
    else:
        raise SubmissionError(f'{name}: expected a PYSKL annotation dict or list, got {type(data).__name__}')
    if not isinstance(anns, list):
        raise SubmissionError(f'{name}: field annotations missing or not a list')
    ids = []
    for k, a in enumerate(anns):
        if not isinstance(a, dict) or 'frame_dir' not in a:
            raise SubmissionError(f'{name}: annotation {k}: field frame_dir missing')
        ids.append(str(a['frame_dir']))
    if split is not None:
        if not isinstance(splits, dict):
            raise SubmissionError(f'{name}: no split dict in the file; use split=None (CLI: --split none) to '
                                  'take every annotation')
        if split not in splits:
            raise SubmissionError(f'{name}: no split {split!r}; the file has {sorted(splits)}')
        wanted = [str(i) for i in splits[split]]
        dup = [i for i, c in Counter(wanted).items() if c > 1]
        if dup:
            raise SubmissionError(f'{name}: split {split!r} lists {len(dup)} ids more than once: '
                                  f'{_preview(dup)}')
        missing = set(wanted) - set(ids)
        if missing:
            raise SubmissionError(f'{name}: split {split!r} lists {len(missing)} ids with no annotation: '
                                  f'{_preview(sorted(missing))}')
        wanted_set = set(wanted)
        anns = [a for a, i in zip(anns, ids) if i in wanted_set]
        ids = [i for i in ids if i in wanted_set]
    dup = [i for i, c in Counter(ids).items() if c > 1]
    if dup:
        raise SubmissionError(f'{name}: {len(dup)} frame_dir values occur in more than one annotation'
                              f'{"" if split is None else f" of split {split!r}"}: {_preview(dup)}')
    if not ids:
        raise SubmissionError(f'{name}: no annotations{"" if split is None else f" in split {split!r}"}')
    return anns


# ------------------------------------------------------------------------------------------------ checks
def validate_rows(rows: Sequence[tuple], expected_ids: Sequence[str], num_classes: int,
                  source: str = 'submission') -> None:
    """Raise ``SubmissionError`` listing every problem: missing / extra / duplicate ids, ids that would
    break the csv, labels that are not ints in [0, num_classes)."""
    problems = []
    ids = [r[0] for r in rows]
    counts = Counter(ids)
    expected = set(expected_ids)
    if len(expected) != len(expected_ids):
        problems.append('the expected test id list itself has duplicates: '
                        + _preview([i for i, c in Counter(expected_ids).items() if c > 1]))
    missing = [i for i in expected_ids if i not in counts]
    extra = [i for i in counts if i not in expected]
    dups = [i for i, c in counts.items() if c > 1]
    if missing:
        problems.append(f'{len(missing)} of {len(expected)} test ids have no row: {_preview(missing)}')
    if extra:
        problems.append(f'{len(extra)} rows have ids that are not test ids: {_preview(extra)}')
    if dups:
        problems.append(f'{len(dups)} ids have more than one row: {_preview(dups)}')
    bad_ids = [i for i in counts if not isinstance(i, str) or not i or _BAD_ID_CHARS.search(i)
               or i != i.strip()]
    if bad_ids:
        problems.append(f'{len(bad_ids)} ids are empty or contain a comma, quote, newline or edge spaces: '
                        f'{_preview(bad_ids)}')
    not_int, out_of_range = [], []
    for k, (i, label) in enumerate(rows):
        if isinstance(label, (bool, np.bool_)) or not isinstance(label, (int, np.integer)):
            not_int.append(f'row {k + 1} ({i!r}): {label!r}')
        elif not 0 <= int(label) < num_classes:
            out_of_range.append(f'row {k + 1} ({i!r}): {int(label)}')
    if not_int:
        problems.append(f'{len(not_int)} labels are not integers: {"; ".join(not_int[:5])}'
                        + (' ...' if len(not_int) > 5 else ''))
    if out_of_range:
        problems.append(f'{len(out_of_range)} labels outside [0, {num_classes}): '
                        f'{"; ".join(out_of_range[:5])}'
                        + (' ...' if len(out_of_range) > 5 else ''))
    if problems:
        raise SubmissionError(f'{source}: refusing an invalid submission:\n  - ' + '\n  - '.join(problems))


def rows_from_scores(ids: Sequence[str], scores: np.ndarray, expected_ids: Sequence[str],
                     source: str = 'scores') -> list[tuple[str, int]]:
    """Top-1 label per expected id, in expected order; the scored ids must be exactly the expected ones."""
    ids = [str(i) for i in ids]
    have, want = set(ids), set(expected_ids)
    if len(have) != len(ids):
        dup = [i for i, c in Counter(ids).items() if c > 1]
        raise SubmissionError(f'{source}: {len(dup)} sample ids occur more than once: {_preview(dup)}')
    if have != want:
        miss, extra = sorted(want - have), sorted(have - want)
        raise SubmissionError(
            f'{source} does not cover the test ids exactly ({len(have)} scored, {len(want)} test ids):\n'
            f'  {len(miss)} test ids without scores' + (f': {_preview(miss)}' if miss else '') + '\n'
            f'  {len(extra)} scored ids that are not test ids' + (f': {_preview(extra)}' if extra else '')
            + '\n  Was the dump made on the test split of this annotation file?')
    pos = {i: k for k, i in enumerate(ids)}
    pred = np.argmax(np.asarray(scores), axis=1)
    return [(i, int(pred[pos[i]])) for i in expected_ids]


# ------------------------------------------------------------------------------------------------ writing
@dataclass
class WrittenSubmission:
    format: SubmissionFormat
    csv_path: str
    zip_path: str
    num_rows: int
    label_counts: dict


def render_csv(rows: Sequence[tuple[str, int]], fmt: SubmissionFormat) -> str:
    lines = [','.join(fmt.header)] if fmt.header else []
    lines += [f'{i},{int(label)}' for i, label in rows]
    return '\n'.join(lines) + '\n'


def write_submission(rows: Sequence[tuple[str, int]], out_dir: str | os.PathLike,
                     fmt: str | SubmissionFormat, expected_ids: Sequence[str], num_classes: int,
                     overwrite: bool = False) -> WrittenSubmission:
    """Validate, write the csv and its zip into ``out_dir``, then read the zip back and validate again."""
    fmt = get_format(fmt) if isinstance(fmt, str) else fmt
    out_dir = os.fspath(out_dir)
    csv_path, zip_path = os.path.join(out_dir, fmt.csv_name), os.path.join(out_dir, fmt.zip_name)
    validate_rows(rows, expected_ids, num_classes, source=csv_path)
    check_outputs([csv_path, zip_path], overwrite, folders=[out_dir])
    text = render_csv(rows, fmt)
    with atomic_open(csv_path, 'w', newline='') as f:
        f.write(text)
    with atomic_open(zip_path, 'wb') as f, zipfile.ZipFile(f, 'w', compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr(fmt.csv_name, text)  # at the zip root: the graders look for it there
    check_submission(zip_path, expected_ids, num_classes, fmt)  # round trip
    return WrittenSubmission(format=fmt, csv_path=csv_path, zip_path=zip_path, num_rows=len(rows),
                             label_counts=dict(sorted(Counter(int(r[1]) for r in rows).items())))


def write_topk_csv(path: str | os.PathLike, ids: Sequence[str], scores: np.ndarray, k: int,
                   class_names: Sequence[str] | None = None, overwrite: bool = False) -> str:
    """Analysis csv (not for upload): ``id,top1..topk`` labels then ``p1..pk`` probabilities, best first,
    plus the top-1 class name when names are known."""
    path = os.fspath(path)
    scores = np.asarray(scores)
    if not 1 <= k <= scores.shape[1]:
        raise SubmissionError(f'--topk must be in [1, {scores.shape[1]}], got {k}')
    check_outputs([path], overwrite)
    ranked = ranked_classes(scores, k)
    header = ['id'] + [f'top{j + 1}' for j in range(k)] + [f'p{j + 1}' for j in range(k)]
    if class_names is not None:
        header.append('top1_name')
    lines = [','.join(header)]
    for n, i in enumerate(ids):
        cells = [str(i)] + [str(int(c)) for c in ranked[n]] + [f'{scores[n, c]:.6f}' for c in ranked[n]]
        if class_names is not None:
            cells.append('"' + str(class_names[ranked[n, 0]]).replace('"', '""') + '"')
        lines.append(','.join(cells))
    with atomic_open(path, 'w', newline='') as f:
        f.write('\n'.join(lines) + '\n')
    return path


# ------------------------------------------------------------------------------------------------ reading
def _parse_csv(text: str, fmt: SubmissionFormat, source: str) -> list[tuple[str, int | str]]:
    if text.startswith('\ufeff'):
        raise SubmissionError(f'{source}: starts with a byte-order mark; graders may read it into the '
                              'first id')
    lines = text.split('\n')
    if lines and lines[-1] == '':
        lines.pop()
    if fmt.header:
        if not lines or lines[0].rstrip('\r') != ','.join(fmt.header):
            got = lines[0] if lines else '<empty file>'
            raise SubmissionError(f'{source}: first line must be the header {",".join(fmt.header)!r}, '
                                  f'got {got!r}')
        lines, first = lines[1:], 2
    else:
        first = 1
    rows: list[tuple[str, int | str]] = []
    for n, line in enumerate(lines, start=first):
        fields = line.rstrip('\r').split(',')
        if len(fields) != 2:
            raise SubmissionError(f'{source}: line {n}: expected 2 comma-separated fields <id>,<label>, '
                                  f'got {line!r}')
        i, label = fields
        # keep a non-integer label as text so validate_rows reports it with the others
        rows.append((i, int(label) if _INT_RE.fullmatch(label) else label))
    return rows


def read_submission(path: str | os.PathLike, fmt: str | SubmissionFormat | None = None
                    ) -> tuple[SubmissionFormat, list[tuple[str, int | str]]]:
    """Read a submission .zip (csv at the root, nothing else) or .csv; the format is inferred from the csv
    name unless given."""
    path = os.fspath(path)
    fmt = get_format(fmt) if isinstance(fmt, str) else fmt
    by_csv = {f.csv_name: f for f in FORMATS.values()}
    if not os.path.isfile(path):
        raise FileNotFoundError(f'{path}: no such submission file')
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as z:
            names = [n for n in z.namelist() if not n.endswith('/')]
            if len(names) != 1:
                raise SubmissionError(f'{path}: the zip must hold exactly one csv at its root, holds {names}')
            member = names[0]
            raw = z.read(member)
    else:
        member = os.path.basename(path)
        with open(path, 'rb') as f:
            raw = f.read()
    if fmt is None:
        if member not in by_csv:
            raise SubmissionError(f'{path}: cannot tell the format from {member!r}; expected one of '
                                  f'{sorted(by_csv)} (at the zip root)')
        fmt = by_csv[member]
    elif member != fmt.csv_name:
        raise SubmissionError(f'{path}: {fmt.name} expects {fmt.csv_name!r} at the zip root, '
                              f'found {member!r}')
    try:
        text = raw.decode('utf-8')
    except UnicodeDecodeError as e:
        raise SubmissionError(f'{path}: {member} is not UTF-8 text: {e}') from e
    return fmt, _parse_csv(text, fmt, f'{path}:{member}' if member != os.path.basename(path) else path)


def check_submission(path: str | os.PathLike, expected_ids: Sequence[str], num_classes: int,
                     fmt: str | SubmissionFormat | None = None) -> list[tuple[str, int]]:
    """Read a written submission back and validate it against the test ids; returns its rows."""
    fmt, rows = read_submission(path, fmt)
    validate_rows(rows, expected_ids, num_classes, source=os.fspath(path))
    return rows  # type: ignore[return-value]  (all labels are ints once validated)
