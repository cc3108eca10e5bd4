"""Annotation values of the wrong type or shape give one clear line each (file, sample, field), all problems
together, never a RecursionError or a TypeError from deep inside, and never pass silently. Every payload is
built here by the test."""
import pickle

import numpy as np
import pytest
from mmaction.registry import DATASETS

from mg_posec3d.datasets.validation import AnnotationError, short_repr, validate_annotations

DEPTH = 100_000


def clip(name='a', T=10, **kw):
    ann = dict(frame_dir=name, label=0, total_frames=T, img_shape=(64, 64),
               keypoint=np.full((1, T, 22, 2), 10, np.float32), keypoint_score=np.ones((1, T, 22), np.float32))
    ann.update(kw)
    return ann


def write(path, obj, deep=()):
    """Pickle ``obj``; each string in ``deep`` found in it becomes a list nested DEPTH deep. pickle.dump itself
    would overflow the stack on such a list, so its opcodes are written directly: DEPTH empty lists pushed,
    then DEPTH - 1 APPENDs, each putting the top list into the one below."""
    data = pickle.dumps(obj, protocol=2)
    for marker in deep:
        short = b'X' + len(marker).to_bytes(4, 'little') + marker.encode()
        assert data.count(short) == 1
        data = data.replace(short, b']' * DEPTH + b'a' * (DEPTH - 1))
    path.write_bytes(data)
    return str(path)


def build(path, **kw):
    cfg = dict(type='MGPoseDataset', ann_file=path, pipeline=[], split='train', num_classes=3)
    cfg.update(kw)
    return DATASETS.build(cfg)


def problems(path, **kw) -> str:
    with pytest.raises(AnnotationError) as e:
        build(path, **kw)
    return str(e.value)


def test_lists_nested_100k_deep_give_short_messages_not_a_recursion_error(tmp_path):
    ann = clip(label='DEEP_LABEL', total_frames='DEEP_TOTAL', img_shape='DEEP_SHAPE')
    path = write(tmp_path / 'ann.pkl', dict(split={'train': ['a']}, annotations=[ann]),
                 deep=('DEEP_LABEL', 'DEEP_TOTAL', 'DEEP_SHAPE'))
    msg = problems(path)
    assert msg.splitlines() == [
        f'{path}: 3 problem(s) in 1 sample(s):',
        "  sample 'a', field 'total_frames': not an integer: [[[[...]]]]",
        "  sample 'a', field 'img_shape': expected (height, width) positive ints, got [[[[...]]]]",
        "  sample 'a', field 'label': not an integer: [[[[...]]]]",
        'Pass skip_invalid=True (tools: --skip-invalid) to drop these samples.']


@pytest.mark.parametrize('frame_dir, shown', [(7, 'int 7'), (['a'], "list ['a']"), (None, 'NoneType None')])
def test_frame_dir_must_be_a_string(tmp_path, frame_dir, shown):
    path = write(tmp_path / 'ann.pkl', dict(split={'train': ['b']}, annotations=[clip(frame_dir), clip('b')]))
    assert f"sample '#0', field 'frame_dir': must be a string, got {shown}" in problems(path, split=None)
    ds = build(path, split=None, skip_invalid=True)   # dropped like any other bad sample
    assert [ds.get_data_info(i)['frame_dir'] for i in range(len(ds))] == ['b']


@pytest.mark.parametrize('ids, shown', [('abc', "got str 'abc'"), (5, 'got int 5'), ({'a': 1}, "got dict {'a': 1}")])
def test_a_split_that_is_not_a_list(tmp_path, ids, shown):
    # a string was read as the ids 'a', 'b', 'c'; an int raised a TypeError
    path = write(tmp_path / 'ann.pkl', dict(split={'train': ids}, annotations=[clip('a'), clip('abc')]))
    assert f"sample '-', field 'split['train']': must be a list of frame_dir ids, {shown}" in problems(path)


def test_split_ids_that_are_not_strings(tmp_path):
    path = write(tmp_path / 'ann.pkl', dict(split={'train': ['a', ['b'], 3]}, annotations=[clip('a')]))
    assert "field 'split['train']': 2 id(s) are not strings, e.g. ['b']" in problems(path)


def test_mixed_type_keys_are_listed_not_a_type_error(tmp_path):
    path = write(tmp_path / 'ann.pkl', dict(split={'train': ['a'], 0: ['a'], None: []}, annotations=[clip('a')]))
    assert "field 'split': no split 'val'; the file has ['0', 'None', 'train']" in problems(path, split='val')
    path = write(tmp_path / 'top.pkl', {'split': {}, 1: [], (2, 3): []})
    assert "top-level dict has no \"annotations\" list (keys: ['(2, 3)', '1', 'split'])" in problems(path)


@pytest.mark.parametrize('names, shown', [('abc', "'abc'"), (3, '3'), (['a', 2, 'c'], "['a', 2, 'c']")])
def test_label_names_must_be_a_list_of_strings(tmp_path, names, shown):
    # a string became the class names ('a', 'b', 'c'); an int raised a TypeError
    path = write(tmp_path / 'ann.pkl', dict(split={'train': ['a']}, annotations=[clip('a')], label_names=names))
    assert f"field 'label_names': must be a list of class names (strings), got {shown}" in problems(path)


@pytest.mark.parametrize('total, shown', [('10', "'10'"), (10.9, '10.9'), (10.0, '10.0'), (True, 'True')])
def test_total_frames_must_be_an_integer(tmp_path, total, shown):
    # '10' and 10.9 passed int() before and failed later inside mmaction2's frame sampling
    path = write(tmp_path / 'ann.pkl', dict(split={'train': ['a']}, annotations=[clip('a', total_frames=total)]))
    assert f"sample 'a', field 'total_frames': not an integer: {shown}" in problems(path)


def test_numpy_integer_total_frames_and_labels_are_fine(tmp_path):
    path = write(tmp_path / 'ann.pkl', dict(split={'train': ['a']}, annotations=[
        clip('a', total_frames=np.int64(10), label=np.int32(2))]))
    assert len(build(path)) == 1


@pytest.mark.parametrize('field, value, message', [
    ('keypoint', np.full((1, 10, 22, 2), '1.5'), "field 'keypoint': dtype <U3 (text): must hold real numbers"),
    ('keypoint', np.full((1, 10, 22, 2), 'abc'), "field 'keypoint': dtype <U3 (text): must hold real numbers"),
    ('keypoint', np.full((1, 10, 22, 2), 1 + 2j),
     "field 'keypoint': complex numbers (complex128); coordinates and scores must be real"),
    ('keypoint_score', np.full((1, 10, 22), None, object),
     "field 'keypoint_score': dtype object (Python objects): must hold real numbers"),
])
def test_keypoints_must_be_real_numbers(tmp_path, field, value, message):
    # text like '1.5' was silently converted, 'abc' raised inside numpy, complex lost its imaginary part.
    # The safe loader already refuses complex and object arrays; validation is the layer that also holds
    # for --unsafe-pickle, so the file is read that way here.
    path = write(tmp_path / 'ann.pkl', dict(split={'train': ['a']}, annotations=[clip('a', **{field: value})]))
    assert f"sample 'a', {message}" in problems(path, unsafe_pickle=True)


def test_all_new_problems_are_listed_together():
    data = dict(split={'train': ['a', 'b', 'c']}, label_names='xyz',
                annotations=[clip('a', total_frames='10'), clip('b', keypoint=np.full((1, 10, 22, 2), 1j)),
                             clip(5), clip('c', label=[1])])
    _, report = validate_annotations(data, 'mem.pkl', num_joints=22, num_classes=3, split='train')
    assert [(s, f) for s, f, _ in report.problems] == [
        ('-', 'label_names'), ('#2', 'frame_dir'), ('a', 'total_frames'), ('b', 'keypoint'), ('c', 'label')]


def test_short_repr_is_bounded():
    assert short_repr('x' * 10_000).startswith("'xxx") and len(short_repr('x' * 10_000)) < 70
    assert short_repr(list(range(1000))) == '[0, 1, 2, 3, 4, 5, ...]'
