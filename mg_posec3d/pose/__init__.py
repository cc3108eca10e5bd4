"""Pose extraction from raw videos into miga22 PYSKL annotations (see ``tools/data/extract_pose.py``).

Importing this package loads neither mediapipe nor mmpose; the backends import them when built. The keypoint
record and the annotation builders it uses live in :mod:`mg_posec3d.annotations`.
"""
