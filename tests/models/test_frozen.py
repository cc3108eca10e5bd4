"""TorchScript-frozen CPU inference (mg_posec3d.models.frozen), against the eager PyTorch forward as oracle."""
import copy

import pytest
import torch
from mmaction.structures import ActionDataSample

from mg_posec3d.models import frozen
from mg_posec3d.models.frozen import freeze_for_cpu_inference, is_frozen

from .test_precision import tiny_recognizer


def _model():
    model = tiny_recognizer()
    for m in model.modules():  # trained-looking BatchNorm statistics, so that folding them is not a no-op
        if isinstance(m, torch.nn.BatchNorm3d):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 2.0)
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.2, 0.2)
    return model.eval()


def _scores(model, clips):
    data = dict(inputs=list(clips), data_samples=[ActionDataSample() for _ in clips])
    with torch.no_grad():
        return torch.stack([s.pred_score for s in model.test_step(data)])


def test_frozen_scores_equal_eager_scores_for_any_batch_size():
    torch.manual_seed(1)
    clips = torch.rand(5, 1, 4, 8, 16, 16)
    eager = _model()
    model = freeze_for_cpu_inference(copy.deepcopy(eager))
    ref = _scores(eager, clips)
    first = _scores(model, clips[:3])  # traced here; this call returns the eager output
    assert is_frozen(model)
    assert torch.allclose(first, ref[:3], atol=1e-6)
    for batch in (clips, clips[:1], clips[3:]):  # the frozen graph, at other batch sizes
        out = _scores(model, batch)
        assert torch.allclose(out, _scores(eager, batch), atol=1e-5), (out - _scores(eager, batch)).abs().max()
    assert model.state_dict().keys() == eager.state_dict().keys()


def test_training_and_gradients_use_the_eager_forward():
    model = freeze_for_cpu_inference(_model())
    x = torch.rand(2, 4, 8, 16, 16)
    with torch.no_grad():
        model.backbone(x)
    assert is_frozen(model)
    out = model.backbone(x)  # gradients enabled: eager, differentiable
    out.sum().backward()
    assert model.backbone.conv1.conv.weight.grad is not None
    model.train()
    with torch.no_grad():
        train_out = model.backbone(x)
    model.eval()
    with torch.no_grad():
        assert not torch.allclose(train_out, model.backbone(x))  # batch statistics were used in train mode


@pytest.mark.parametrize('broken', ['raises', 'disagrees'])
def test_a_failed_or_wrong_trace_keeps_the_eager_forward_with_a_warning(monkeypatch, broken):
    def trace(part, x):
        if broken == 'raises':
            raise RuntimeError('cannot trace this\nsecond line')
        return lambda z: part.__class__.forward(part, z) * 2

    monkeypatch.setattr(frozen, '_trace', trace)
    eager = _model()
    model = freeze_for_cpu_inference(copy.deepcopy(eager))
    clips = torch.rand(2, 1, 4, 8, 16, 16)
    with pytest.warns(UserWarning, match='TorchScript freezing not used for input'):
        _scores(model, clips)
    assert not is_frozen(model)
    assert torch.allclose(_scores(model, clips), _scores(eager, clips), atol=1e-6)
