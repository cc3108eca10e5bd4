"""Carving a validation split by whole videos/subjects: never a video in both splits, the same choice for the same
seed. Clip lists are generated here (ids in the challenges' <video>_<row> form); the tool runs on the real bundled
reach-to-grasp sample, whose clips carry their subject."""
from __future__ import annotations

import pytest

from mg_posec3d.annotations import carve_split, group_of
from mg_posec3d.fileio import safe_load_pickle
from tests.conftest import SAMPLE
from tools.data.split_val import main as split_val


def clips(videos: dict[str, int], with_video_field: bool = False) -> dict:
    """A file whose train split has ``n`` clips ``<video>_<k>`` per video (generated ids, no keypoints needed)."""
    annos = [dict(frame_dir=f'{v}_{k}', **({'video': v} if with_video_field else {}))
             for v, n in videos.items() for k in range(n)]
    return dict(split={'train': [a['frame_dir'] for a in annos], 'test': ['9999_0']}, annotations=annos)


def _videos(data, split):
    return {group_of(a) for a in data['annotations'] if a['frame_dir'] in set(data['split'][split])}


def test_given_videos_move_whole():
    data = clips({'0001': 3, '0002': 2, '0003': 4, '0010': 1})
    out, chosen = carve_split(data, 'train', 'val', groups=['0002', '0010'])
    assert chosen == ['0002', '0010']
    assert out['split']['val'] == ['0002_0', '0002_1', '0010_0']
    assert out['split']['train'] == ['0001_0', '0001_1', '0001_2', '0003_0', '0003_1', '0003_2', '0003_3']
    assert out['split']['test'] == ['9999_0'] and data['split']['train'][3] == '0002_0'   # the input is unchanged


@pytest.mark.parametrize('seed', range(6))
@pytest.mark.parametrize('num', [1, 3, 5])
def test_seeded_choice_never_splits_a_video_and_is_repeatable(seed, num):
    sizes = {f'{v:04d}': 1 + (v * 7) % 5 for v in range(1, 9)}
    data = clips(sizes, with_video_field=seed % 2 == 0)
    out, chosen = carve_split(data, num_groups=num, seed=seed)
    assert len(chosen) == num and _videos(out, 'val') == set(chosen)
    assert not _videos(out, 'val') & _videos(out, 'train')
    assert sorted(out['split']['train'] + out['split']['val']) == sorted(data['split']['train'])
    assert len(out['split']['val']) == sum(sizes[v] for v in chosen)
    assert carve_split(data, num_groups=num, seed=seed) == (out, chosen)


def test_different_seeds_choose_differently():
    data = clips({f'{v:04d}': 2 for v in range(1, 21)})
    assert len({tuple(carve_split(data, num_groups=10, seed=s)[1]) for s in range(5)}) > 1


def test_group_of_video_field_clip_suffix_or_subject():
    assert group_of(dict(frame_dir='0054_3')) == '0054'
    assert group_of(dict(frame_dir='Sample0001_12', video='Sample0001')) == 'Sample0001'
    assert group_of(dict(frame_dir='P1_L_01', subject=1), by='subject') == '1'
    with pytest.raises(ValueError, match="clip 'x_1' has no 'subject' field"):
        group_of(dict(frame_dir='x_1'), by='subject')


@pytest.mark.parametrize('kw,match', [
    (dict(groups=['0001'], target='test'), "split 'test' already exists"),
    (dict(groups=['0007']), r"video\(s\) \['0007'\] not in split 'train'"),
    (dict(groups=['0001', '0002']), 'would leave it empty'),
    (dict(num_groups=2), 'cannot choose 2 of 2 videos'),
    (dict(groups=['0001'], source='val'), "no split 'val' to carve from"),
    (dict(), 'give either'),
])
def test_refusals(kw, match):
    with pytest.raises(ValueError, match=match):
        carve_split(clips({'0001': 2, '0002': 1}), **kw)


def _split_val(argv):
    return split_val([str(a) for a in argv])


def test_tool_on_the_real_sample_by_subject(tmp_path, capsys):
    out = tmp_path / 'rtg.pkl'
    assert _split_val([SAMPLE, '--from', 'train', '--to', 'holdout', '--by', 'subject', '--num-videos', '2',
                       '--seed', '3', '--out', out]) == 0
    data, orig = safe_load_pickle(out), safe_load_pickle(SAMPLE)
    subject = {a['frame_dir']: a['subject'] for a in orig['annotations']}
    held = {subject[c] for c in data['split']['holdout']}
    assert len(held) == 2 and not held & {subject[c] for c in data['split']['train']}
    assert sorted(data['split']['holdout'] + data['split']['train']) == sorted(orig['split']['train'])
    assert data['split']['val'] == orig['split']['val']
    assert f'holdout: {len(data["split"]["holdout"])} clips of 2 subjects' in capsys.readouterr().out
    # the existing "val" split is not replaced, and the output is not overwritten without --overwrite
    assert _split_val([SAMPLE, '--num-videos', '1', '--out', tmp_path / 'x.pkl']) == 2
    assert "split 'val' already exists (90 clips)" in capsys.readouterr().err
    assert _split_val([SAMPLE, '--to', 'v2', '--num-videos', '1', '--by', 'subject', '--out', out]) == 2
    assert '--overwrite' in capsys.readouterr().err
