"""Label csv files (``label,start,end`` per gesture) and class-name files, one rule each.

Label csv: every dataset writes rows ``label,start,end``; they differ only in how raw ids become 0-based
classes and how frames are counted, so one reader takes the dataset's :class:`LabelFormat`:

========== =========================================== ============================= ============
format     file                                        raw id -> class               frames
========== =========================================== ============================= ============
imigue     iMiGUE / MiGA 2023 ``<id>_label.csv``        1..31 -> 0..30, 99 -> 31      0-based
miga2025   MiGA 2025 track 1 ``<id>_label.csv``         1..31 -> 0..30, 99 -> 31      0-based
smg        SMG ``SampleNNNN_finelabels.csv``            1..17 -> 0..16                1-based
ours       what ``tools/spot.py`` writes                class itself (>= 0)           0-based
========== =========================================== ============================= ============

Frames are returned 0-based, both ends included. One non-numeric header line and blank lines are allowed;
columns after the third are ignored. SMG's frames are 1-based: its authors' reader
(``SMGaccessSample.GestureSample.getSkeleton(frameNum)``) returns skeleton row ``frameNum - 1`` and walks a
gesture as ``range(start, end + 1)``.

Class names: ``<id> <name>`` per line, or one name per line (the line number is the class). Ids may come in
any order but must be a permutation of ``0..N-1`` or of ``1..N`` (then class = id - 1, as SMG's raw ids):
:func:`class_name_table` says which.
"""
from __future__ import annotations

import csv
import math
import os
from dataclasses import dataclass

Segment = tuple  # (label, start, end)


@dataclass(frozen=True)
class LabelFormat:
    """How one dataset's label csv numbers classes and frames."""

    name: str
    description: str
    first_id: int                        # raw id of class 0
    num_plain_ids: int | None            # raw ids first_id .. first_id + n - 1 are classes 0 .. n-1 (None: any)
    special: tuple[tuple[int, int], ...] = ()   # other raw ids -> class (iMiGUE: 99 "illustrative" -> 31)
    frame_base: int = 0                  # the number of a video's first frame in the csv

    @property
    def num_classes(self) -> int | None:
        return None if self.num_plain_ids is None else self.num_plain_ids + len(self.special)

    def to_class(self, raw: int) -> int:
        """Raw id -> 0-based class; an id outside the format's range is a ValueError saying the range."""
        special = dict(self.special)
        if raw in special:
            return special[raw]
        last = None if self.num_plain_ids is None else self.first_id + self.num_plain_ids - 1
        if raw < self.first_id or (last is not None and raw > last):
            allowed = f'{self.first_id}..{last}' if last is not None else f'>= {self.first_id}'
            also = ''.join(f' and not {k}' for k in special)
            raise ValueError(f'gesture id {raw} is outside {allowed}{also} ({self.name} label csv)')
        return raw - self.first_id


_IMIGUE_IDS = dict(first_id=1, num_plain_ids=31, special=((99, 31),), frame_base=0)
LABEL_FORMATS: dict[str, LabelFormat] = {f.name: f for f in (
    LabelFormat('imigue', 'iMiGUE / MiGA 2023 <id>_label.csv: gestureID,start,end', **_IMIGUE_IDS),
    # the winners' reading (momiji-bit/MM-Gesture, processing_Skeleton.ipynb): 31 if raw == 99 else raw - 1,
    # frames are rows of <id>_openpose.xlsx, 0-based, end included
    LabelFormat('miga2025', 'MiGA 2025 track 1 <id>_label.csv: class,start,end', **_IMIGUE_IDS),
    LabelFormat('smg', 'SMG SampleNNNN_finelabels.csv: label,start,end', first_id=1, num_plain_ids=17,
                frame_base=1),
    LabelFormat('ours', 'label,start,end with 0-based classes and frames', first_id=0, num_plain_ids=None),
)}


def get_label_format(fmt: str | LabelFormat) -> LabelFormat:
    if isinstance(fmt, LabelFormat):
        return fmt
    try:
        return LABEL_FORMATS[fmt]
    except KeyError:
        raise ValueError(f'unknown label csv format {fmt!r}; known: {", ".join(LABEL_FORMATS)}') from None


def _integer(cell: str) -> int | None:
    """``'12'`` or ``'12.0'`` -> 12; anything else (text, 1.5, inf, nan) -> None."""
    try:
        v = float(cell)
    except ValueError:
        return None
    return int(v) if math.isfinite(v) and v.is_integer() else None


def read_label_csv(path: str, fmt: str | LabelFormat = 'imigue', labelled: bool = True) -> list[Segment]:
    """Rows ``label,start,end`` as ``(class, start, end)``: 0-based class, 0-based frames, end included.

    ``labelled=False``: the label column is not read (a test set's placeholder ids); the class is -1.
    Errors name the file and the line.
    """
    f_ = get_label_format(fmt)
    rows = []
    with open(path, newline='', encoding='utf-8-sig') as f:
        reader = csv.reader(f)
        try:
            for cells_raw in reader:
                lineno = reader.line_num
                cells = [c.strip() for c in cells_raw if c.strip() != '']
                if not cells:
                    continue
                nums = [_integer(c) for c in cells[:3]]
                if len(cells) < 3 or None in nums:
                    if lineno == 1 and all(_looks_like_text(c) for c in cells):
                        continue  # a header line
                    raise ValueError(f'{path}: line {lineno}: expected three integers "label,start,end", got '
                                     f'{cells[:4]}')
                raw, start, end = nums
                try:
                    label = f_.to_class(raw) if labelled else -1
                except ValueError as e:
                    raise ValueError(f'{path}: line {lineno}: {e}') from None
                base = f_.frame_base
                if start < base:
                    raise ValueError(f'{path}: line {lineno}: start frame {start} is before the first frame '
                                     f'({f_.name} frames are {base}-based)')
                if end < start:
                    raise ValueError(f'{path}: line {lineno}: bad frame range start={start} end={end}')
                rows.append((label, start - base, end - base))
        except csv.Error as e:   # e.g. a field over the csv module's size limit: not a label csv
            raise ValueError(f'{path}: line {reader.line_num}: not a csv file: {e}') from None
    return rows


def _looks_like_text(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return True
    return False


def find_label_csv(folder: str, name: str) -> str | None:
    """The label csv of input ``name`` in a folder: ``<name>_label.csv``, ``<name>.csv`` or the same in a
    ``<name>/`` subfolder (iMiGUE / MiGA 2025 layout)."""
    for rel in (f'{name}_label.csv', f'{name}.csv', os.path.join(name, f'{name}_label.csv'),
                os.path.join(name, f'{name}.csv')):
        p = os.path.join(folder, rel)
        if os.path.isfile(p):
            return p
    return None


def class_name_table(path: str | os.PathLike) -> tuple[list[str], int | None]:
    """Class names of a file and the id of its first class: 0 or 1 for ``<id> <name>`` lines (ids in any
    order, a permutation of 0..N-1 or 1..N), None for one name per line. Errors name the file and line."""
    path = os.fspath(path)
    with open(path, encoding='utf-8-sig') as f:
        lines = [(n, ln.strip()) for n, ln in enumerate(f, 1) if ln.strip()]
    if not lines:
        raise ValueError(f'{path}: no class names')
    parts = [(n, ln.split(maxsplit=1)) for n, ln in lines]
    with_id = [(n, p) for n, p in parts if len(p) == 2 and p[0].isdigit()]
    if not with_id:
        return [ln for _, ln in lines], None
    if len(with_id) != len(parts):
        n = next(n for n, p in parts if not (len(p) == 2 and p[0].isdigit()))
        raise ValueError(f'{path}: line {n} has no "<id> <name>" but line {with_id[0][0]} has: give an id on '
                         'every line or none')
    ids = [int(p[0]) for _, p in with_id]
    count = len(ids)
    for first in (0, 1):
        if sorted(ids) == list(range(first, first + count)):
            names = [''] * count
            for i, (_, p) in zip(ids, with_id):
                names[i - first] = p[1].strip()
            return names, first
    seen, dup = set(), None
    for i in ids:
        if i in seen:
            dup = i
            break
        seen.add(i)
    why = f'id {dup} appears twice' if dup is not None else f'ids run {min(ids)}..{max(ids)}'
    raise ValueError(f'{path}: ids must be 0..{count - 1} or 1..{count}, each once (a permutation); {why}')


def read_class_names(path: str | os.PathLike) -> list[str]:
    """Class names in class order (see :func:`class_name_table`)."""
    return class_name_table(path)[0]
