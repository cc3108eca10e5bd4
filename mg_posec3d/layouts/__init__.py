"""Keypoint layouts as data, in one place.

- Model layouts (``model_layouts``): what each heatmap channel of a model means, its limbs and flip pairs:
  ``miga22``, ``miga22_hfut2023``, ``body25``, ``kinect25`` (SMG's Kinect v2). Registry ``LAYOUTS``, getter
  :func:`get_layout`.
- Source layouts (``source_layouts``): what a pose estimator or dataset writes and how each joint of its model
  layout is read from it: OpenPose (BODY_25 + hands, + face), the MiGA csv/xlsx files, reach-to-grasp, MediaPipe
  Holistic, COCO-17, COCO-WholeBody (all onto miga22), Kinect v2 (onto kinect25). Registry ``SOURCE_LAYOUTS``
  (every tool offers exactly its names), getter :func:`get_source_layout`, mapping :func:`map_keypoints`.
"""
from .model_layouts import (
    BODY25,
    BODY25_JOINTS,
    KINECT25,
    KINECT25_JOINTS,
    LAYOUTS,
    MIGA22,
    MIGA22_HFUT2023,
    MIGA22_JOINTS,
    Layout,
    get_layout,
)
from .source_layouts import (
    COCO17,
    COCO_WHOLEBODY,
    FINGER_POINTS,
    KINECT_V2,
    MEDIAPIPE_HOLISTIC,
    MIGA_LIGHT_HAND,
    MMPOSE_DATASETS,
    OPENPOSE_BODY25_FACE_HANDS,
    OPENPOSE_BODY25_HANDS,
    REACH_TO_GRASP50,
    SOURCE_LAYOUTS,
    SourceLayout,
    get_source_layout,
    map_keypoints,
    source_for_mmpose,
)

__all__ = [
    'Layout', 'LAYOUTS', 'get_layout', 'MIGA22', 'MIGA22_HFUT2023', 'MIGA22_JOINTS', 'BODY25', 'BODY25_JOINTS',
    'KINECT25', 'KINECT25_JOINTS', 'KINECT_V2',
    'SourceLayout', 'SOURCE_LAYOUTS', 'get_source_layout', 'map_keypoints', 'FINGER_POINTS',
    'OPENPOSE_BODY25_HANDS', 'OPENPOSE_BODY25_FACE_HANDS', 'MIGA_LIGHT_HAND', 'REACH_TO_GRASP50',
    'MEDIAPIPE_HOLISTIC', 'COCO17', 'COCO_WHOLEBODY', 'MMPOSE_DATASETS', 'source_for_mmpose',
]
