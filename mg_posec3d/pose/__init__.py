"""Pose extraction from raw videos into miga22 PYSKL annotations (see ``tools/extract_pose.py``).

Importing this package loads neither mediapipe nor mmpose; the backends import them when built.
"""
from .record import PoseRecord, make_annotations, read_label_csv, sanitize, to_miga22
from .sources import COCO17, COCO_WHOLEBODY, MEDIAPIPE_HOLISTIC, POSE_SOURCE_LAYOUTS, get_source

__all__ = ['PoseRecord', 'make_annotations', 'read_label_csv', 'sanitize', 'to_miga22', 'COCO17',
           'COCO_WHOLEBODY', 'MEDIAPIPE_HOLISTIC', 'POSE_SOURCE_LAYOUTS', 'get_source']
