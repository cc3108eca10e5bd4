"""The shared annotation model (ground floor: importers, pose extraction and tools all use it).

- :mod:`.record`: :class:`PoseRecord` (one subject's keypoints over a video), :func:`build_annotation` (the one
  PYSKL annotation dict builder), clips (:func:`make_annotations`) and long sequences with ``segments``
  (:func:`make_sequence_annotation`).
- :mod:`.labels`: label csv files (:func:`read_label_csv`, one rule per dataset format in ``LABEL_FORMATS``) and
  class-name files (:func:`read_class_names`).
- :mod:`.report`: :class:`ConversionReport`, what a converter wrote and skipped.
- :mod:`.splits`: carving a validation split by whole videos/subjects (:func:`carve_split`).
- :mod:`.tracking`: the main subject among several people (:func:`select_main_subject`).
"""
from .labels import (
    LABEL_FORMATS,
    LabelFormat,
    class_name_table,
    find_label_csv,
    get_label_format,
    read_class_names,
    read_label_csv,
)
from .record import (
    PoseRecord,
    build_annotation,
    frames_to_rows,
    make_annotations,
    make_sequence_annotation,
    sanitize,
    to_target,
)
from .report import ConversionReport
from .splits import MIGA2025_VAL_VIDEOS, carve_split, choose_groups, group_of, groups_of_split
from .tracking import select_main_subject

__all__ = [
    'PoseRecord', 'build_annotation', 'make_annotations', 'make_sequence_annotation', 'frames_to_rows', 'sanitize',
    'to_target', 'LABEL_FORMATS', 'LabelFormat', 'get_label_format', 'read_label_csv', 'find_label_csv',
    'read_class_names', 'class_name_table', 'ConversionReport', 'carve_split', 'choose_groups', 'group_of',
    'groups_of_split', 'MIGA2025_VAL_VIDEOS', 'select_main_subject',
]
