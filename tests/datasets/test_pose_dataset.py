import pickle

import numpy as np
import pytest
from mmaction.registry import DATASETS

from mg_posec3d.datasets.validation import AnnotationError
from mg_posec3d.embeddings import load_label_embeddings
from tests.conftest import SAMPLE, SAMPLE_EMB


def _build(ann_file, **kw):
    cfg = dict(type='MGPoseDataset', ann_file=ann_file, pipeline=[], split='train', num_classes=3,
               label_embeddings=SAMPLE_EMB)
    cfg.update(kw)
    return DATASETS.build(cfg)


def test_real_sample_loads_with_label_embeddings():
    ds = _build(SAMPLE)
    assert len(ds) == 537
    emb = load_label_embeddings(SAMPLE_EMB)
    item = ds.get_data_info(0)
    assert item['keypoint'].dtype == np.float32 and item['keypoint'].shape[2] == 22
    np.testing.assert_array_equal(item['label_embedding'], emb[item['label']])
    assert ds.metainfo['classes'] == ('small', 'medium', 'large')


def _write(tmp_path, annos, split=None):
    path = tmp_path / 'ann.pkl'
    data = dict(split=split or {'train': [a['frame_dir'] for a in annos]}, annotations=annos)
    path.write_bytes(pickle.dumps(data))
    return str(path)


def _clip(name, T=10, V=22, label=0):
    return dict(frame_dir=name, label=label, total_frames=T, img_shape=(64, 64),
                keypoint=np.ones((1, T, V, 2), np.float32) * 10, keypoint_score=np.ones((1, T, V), np.float32))


def test_every_problem_is_listed_with_file_sample_and_field(tmp_path):
    bad_v = _clip('b', V=18)
    bad_t = _clip('c')
    bad_t['total_frames'] = 12
    path = _write(tmp_path, [_clip('a'), bad_v, bad_t, _clip('d', label=3), _clip('a')])
    with pytest.raises(AnnotationError) as e:
        _build(path)
    msg = str(e.value)
    assert path in msg
    assert "sample 'b', field 'keypoint': 18 joints, but the layout has 22" in msg
    assert "sample 'c', field 'total_frames': 12 but keypoint has 10 frames" in msg
    assert "sample 'd', field 'label': 3 outside [0, 3)" in msg
    assert "sample 'a', field 'frame_dir': duplicate id" in msg


def test_skip_invalid_drops_bad_samples_and_nan_becomes_missing(tmp_path):
    nan = _clip('n')
    nan['keypoint'][0, 2, 5] = np.nan
    path = _write(tmp_path, [_clip('a'), _clip('b', V=18), nan])
    ds = _build(path, skip_invalid=True)
    assert [ds.get_data_info(i)['frame_dir'] for i in range(len(ds))] == ['a', 'n']
    item = ds.get_data_info(1)
    assert item['keypoint_score'][0, 2, 5] == 0 and np.isfinite(item['keypoint']).all()
    assert ds.validation_report.nonfinite_joints == 1


def test_missing_split_and_file_are_clear(tmp_path):
    path = _write(tmp_path, [_clip('a')])
    with pytest.raises(AnnotationError, match="no split 'val'"):
        _build(path, split='val')
    with pytest.raises(FileNotFoundError, match='docs/data.md'):
        _build(str(tmp_path / 'nope.pkl'))


def test_unlabelled_test_split_with_minus_one_labels(tmp_path):
    """tools/data/extract_pose.py writes label -1 for unlabelled clips: fine for testing, refused for training."""
    from mg_posec3d.apis import annotations_have_labels

    path = _write(tmp_path, [_clip('a', label=-1), _clip('b', label=-1)])
    ds = _build(path, test_mode=True)
    assert len(ds) == 2 and 'label_embedding' not in ds.get_data_info(0)
    assert not annotations_have_labels(path, 'train')
    with pytest.raises(AnnotationError, match="field 'label': -1 outside"):
        _build(path)
