# Spotting with the paper-size joint model (configs/joint.py: SlowOnly-R50 PoseC3D, 48 frames, 56x56 training /
# 64x64 testing crops, GloVe loss) on 48-frame windows (1.6 s at 30 fps) of the reach-to-grasp trials, cut by
#   python tools/data/make_windows.py mg_posec3d/data/rtg_trials/rtg_trials_miga22_30fps.pkl.gz \
#       --out work_dirs/spotting/rtg_windows_48.pkl --split train --split val --window 48 --across-cuts 2
# Training it needs a GPU (100 epochs as in the paper); on the CPU it is used for the speed measurement of
# docs/spotting.md. tools/spot.py runs one clip per window (no flip).
_base_ = ['../joint.py']
window = 48
# tools/spot.py's default stride: with non-overlapping windows the joint + limb pair ran faster than real time on
# this project's 2-core CPU (1.66x fp32 frozen, 2.35x bf16 on AMX; docs/spotting.md "Speed"); on a GPU pass
# --stride 8 or 16
stride = 48
data_root = 'mg_posec3d/data/rtg_trials/'
dataset = dict(ann_file='work_dirs/spotting/rtg_windows_48.pkl',
               label_embeddings=data_root + 'rtg_spotting_glove50.npy', num_classes=4)
model = dict(cls_head=dict(num_classes=4, embedding_dim=50))

test_pipeline = _base_.val_pipeline  # one clip per window at 64x64, no flip
train_dataloader = dict(dataset=dict(**dataset))
val_dataloader = dict(dataset=dict(**dataset))
test_dataloader = dict(batch_size=16, dataset=dict(split='val', pipeline=test_pipeline, **dataset))
work_dir = 'work_dirs/spotting/rtg_joint'
