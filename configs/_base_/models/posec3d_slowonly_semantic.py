# PoseC3D SlowOnly-R50 pose backbone (mmaction2 ResNet3dSlowOnly) + I3D head with the GloVe
# semantic-embedding loss (CE + 20 * MSE) of the MiGA 2023 winning solution.
model = dict(
    type='Recognizer3D',
    backbone=dict(
        type='ResNet3dSlowOnly',
        depth=50,
        pretrained=None,
        in_channels=22,  # heatmap channels: 22 joints, or the number of limbs
        base_channels=32,
        num_stages=3,
        out_indices=(2, ),
        stage_blocks=(4, 6, 3),
        conv1_stride_s=1,
        pool1_stride_s=1,
        inflate=(0, 1, 1),
        spatial_strides=(2, 2, 2),
        temporal_strides=(1, 1, 2),
        dilations=(1, 1, 1)),
    cls_head=dict(
        type='SemanticEmbeddingHead',
        in_channels=512,
        num_classes=32,
        embedding_dim=300,
        loss_emb_weight=20.0,
        dropout_ratio=0.5,
        average_clips='prob'),
    data_preprocessor=dict(type='ActionDataPreprocessor', format_shape='NCTHW'))
