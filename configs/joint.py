# MiGA 2023 winning single model, joint stream: PoseC3D SlowOnly-R50 on 22 joint heatmaps + GloVe loss.
_base_ = [
    '_base_/models/posec3d_slowonly_semantic.py', '_base_/datasets/imigue_pose.py',
    '_base_/schedules/sgd_cosine_100e.py', '_base_/default_runtime.py'
]
work_dir = 'work_dirs/imigue_joint'
