# ST-GCN (mmaction2 STGCN, on our layout's graph via LayoutSTGCN) + GCN head with the semantic-embedding
# loss options of the PoseC3D head (loss_emb_weight=0: plain cross-entropy, exactly mmaction2's GCNHead).
model = dict(
    type='RecognizerGCN',
    backbone=dict(type='LayoutSTGCN', graph_cfg=dict(layout='miga22', mode='stgcn_spatial'), in_channels=3),
    cls_head=dict(type='SemanticGCNHead', num_classes=32, in_channels=256, embedding_dim=300, loss_emb_weight=0.0,
                  average_clips='prob'))
