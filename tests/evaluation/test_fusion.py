"""The one fusion rule (mg_posec3d.evaluation.fusion), checked against hand-worked numbers. That the demo and the
ensemble both go through it, with identical results, is checked in tests/apis/test_demo.py."""
import numpy as np
import pytest

from mg_posec3d.evaluation import EnsembleError
from mg_posec3d.evaluation.fusion import FusionError, default_weights, fuse, normalise_weights

JOINT, LIMB = np.array([0.2, 0.8]), np.array([0.6, 0.4])


def test_two_inputs_default_to_two_to_three():
    # by hand: 0.4 * 0.2 + 0.6 * 0.6 = 0.44 and 0.4 * 0.8 + 0.6 * 0.4 = 0.56
    assert fuse([JOINT, LIMB]).tolist() == pytest.approx([0.44, 0.56], abs=1e-15)
    assert default_weights(2) == (2.0, 3.0)
    # the order is the rule: joint first, limb second
    assert fuse([LIMB, JOINT]).tolist() == pytest.approx([0.36, 0.64], abs=1e-15)  # 0.4 * 0.6 + 0.6 * 0.2


def test_other_counts_default_to_equal_weights():
    assert default_weights(3) == (1.0, 1.0, 1.0) and default_weights(1) == (1.0,)
    three = [np.array([1.0, 0.0]), np.array([0.0, 1.0]), np.array([0.25, 0.75])]
    assert fuse(three).tolist() == pytest.approx([1.25 / 3, 1.75 / 3], abs=1e-15)
    assert fuse([JOINT]).tolist() == JOINT.tolist()


def test_given_weights_are_normalised():
    # 3:1 -> 0.75 * 0.2 + 0.25 * 0.6 = 0.3; the fused scores are probabilities again
    assert fuse([JOINT, LIMB], [3, 1]).tolist() == pytest.approx([0.3, 0.7], abs=1e-15)
    assert fuse([JOINT, LIMB], [0.3, 0.1]).tolist() == pytest.approx([0.3, 0.7], abs=1e-15)
    assert normalise_weights([2, 3], 2).tolist() == pytest.approx([0.4, 0.6], abs=1e-15)
    # [N, C] arrays aligned by sample fuse row by row
    batch = fuse([np.stack([JOINT, LIMB]), np.stack([LIMB, JOINT])])
    np.testing.assert_allclose(batch, [[0.44, 0.56], [0.36, 0.64]], rtol=0, atol=1e-15)


@pytest.mark.parametrize('scores, weights, match', [
    ([], None, 'no scores to fuse'),
    ([JOINT, np.ones(3) / 3], None, r'disagree on the shape of their scores .*\[\(2,\), \(3,\)\]'),
    ([JOINT, LIMB], [1], '1 weights given for 2 inputs'),
    ([JOINT, LIMB], [1, -1], 'weights must be finite, >= 0 and not all 0'),
    ([JOINT, LIMB], [0, 0], 'not all 0'),
    ([JOINT, LIMB], [1, float('nan')], 'finite'),
])
def test_unfusable_inputs_refused(scores, weights, match):
    with pytest.raises(FusionError, match=match):
        fuse(scores, weights)


def test_ensemble_errors_are_fusion_errors():
    assert issubclass(EnsembleError, FusionError) and issubclass(FusionError, ValueError)
