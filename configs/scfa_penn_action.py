# SCFA, supervised, on Penn Action (paper: 76% top-1; ViViT 43%).
#   tools/dist_train.sh configs/scfa_penn_action.py 4
_base_ = [
    '_base_/models/scfa_r50.py', '_base_/datasets/penn_action_scfa.py',
    '_base_/schedules/adam_cosine_100e.py', '_base_/default_runtime.py'
]

model = dict(cls_head=dict(num_classes=15, topk=(1, 5)))

# Top-1 of the online linear probe, plus retrieval (Recall@1/5/10, mAP) and
# k-NN accuracy on the video embeddings, each test video querying the others
# (docs/data_preparation.md shows how to query the training split instead).
test_evaluator = [
    dict(type='AccMetric'),
    dict(type='EmbeddingRetrievalMetric', topk=(1, 5, 10)),
    dict(type='KNNAccuracyMetric', k=5)
]
