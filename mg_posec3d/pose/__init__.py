"""Pose extraction from raw videos into miga22 PYSKL annotations (see ``tools/extract_pose.py``).

Importing this package loads neither mediapipe nor mmpose; the backends import them when built.
"""
from .record import PoseRecord, make_annotations, read_label_csv, sanitize, to_miga22

__all__ = ['PoseRecord', 'make_annotations', 'read_label_csv', 'sanitize', 'to_miga22']
