# GPU readiness check (tools/gpu_check.sh): the paper-size joint model (configs/joint.py: SlowOnly-R50, 48 x 56 x 56,
# batch 16, AMP via precision='auto', channels-last-3d, cudnn_benchmark) on the bundled reach-to-grasp sample, with
# heatmaps rendered on the GPU: PackPoseForHeatmap ships only keypoints from the loader workers and
# HeatmapDataPreprocessor draws the batch on the model's device (same heatmaps to ~2e-7, docs/speed.md).
_base_ = ['../joint.py']
data_root = 'mg_posec3d/data/rtg_sample/'
dataset = dict(ann_file=data_root + 'rtg_miga22.pkl', label_embeddings=data_root + 'rtg_glove50.npy', num_classes=3)
model = dict(cls_head=dict(num_classes=3, embedding_dim=50),
             data_preprocessor=dict(type='HeatmapDataPreprocessor', format_shape='NCTHW'))
_pack = dict(type='PackActionInputs', algorithm_keys=('label_embedding', ),
             meta_keys=('frame_dir', 'img_shape', 'heatmap_cfg'))


def _on_device(pipeline):
    out = []
    for t in pipeline:
        if t['type'] == 'FastGeneratePoseTarget':
            t = dict(t, type='PackPoseForHeatmap')
        out.append(_pack if t['type'] == 'PackActionInputs' else t)
    return out


train_pipeline = _on_device(_base_.train_pipeline)
val_pipeline = _on_device(_base_.val_pipeline)
test_pipeline = _on_device(_base_.test_pipeline)
train_dataloader = dict(dataset=dict(pipeline=train_pipeline, **dataset))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline, **dataset))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline, **dataset))
train_cfg = dict(max_epochs=1)
param_scheduler = [dict(type='CosineAnnealingLR', eta_min=0, T_max=1, by_epoch=True, convert_to_iter_based=True)]
default_hooks = dict(logger=dict(interval=5), checkpoint=dict(max_keep_ckpts=1))
work_dir = 'work_dirs/gpu_check/train'
