"""tools/data/convert_pose.py accepts every source layout of the registry, and maps each one right on real data.

Oracle: the real reach-to-grasp OpenPose clips (tests/data/rtg_original_subset.pkl) and the bundled miga22
sample made from them. For each registered source layout the test writes those real points into that
layout's joint order, going by joint NAME through the table below (written by hand from each producer's
joint names, independently of the layouts' index tables), converts it with the tool and compares the result
with the bundled sample: a wrong index in any layout's table moves a real point to the wrong miga22 joint.
"""
from __future__ import annotations

import os
import pickle

import numpy as np
import pytest

from mg_posec3d.fileio import safe_load_pickle
from mg_posec3d.layouts import MIGA22, SOURCE_LAYOUTS
from tests.conftest import DATA, SAMPLE
from tools.data.convert_pose import main

FINGERS = ('Thumb', 'Index', 'Middle', 'Ring', 'Pinky')   # the reach-to-grasp file's names
WHOLEBODY_FINGERS = ('thumb', 'forefinger', 'middle_finger', 'ring_finger', 'pinky_finger')  # COCO-WholeBody
MP_TIPS = ('thumb_tip', 'index_finger_tip', 'middle_finger_tip', 'ring_finger_tip', 'pinky_tip')  # MediaPipe


def rtg_name_of(joint: str) -> str | None:
    """The reach-to-grasp joint showing the same body point as a source layout's joint (None: not in it).
    The reach-to-grasp file names the person's sides (RShoulder = right shoulder), as all producers do."""
    arm = {'Neck': 'Neck', 'MidHip': 'MidHip'}
    for side, word in (('R', 'right'), ('L', 'left')):
        for part, coco in (('Shoulder', 'shoulder'), ('Elbow', 'elbow'), ('Wrist', 'wrist')):
            arm[f'{side}{part}'] = arm[f'{word}_{coco}'] = f'{side}{part}'   # OpenPose / COCO and MediaPipe
        for k, finger in enumerate(FINGERS):
            tip = f'{side}{finger}4FingerTip'
            arm[f'{side}Hand{finger}4'] = tip                      # OpenPose hands (our names)
            arm[f'{word}_{WHOLEBODY_FINGERS[k]}4'] = tip           # COCO-WholeBody
            arm[f'{word}_hand.{MP_TIPS[k]}'] = tip                 # MediaPipe Holistic
            # MiGA csv: RightFinger* belong to the hand at miga22 joint 4 = the person's right hand
            arm[f'{"Right" if side == "R" else "Left"}Finger{k + 1}'] = tip
    return arm.get(joint)


@pytest.fixture(scope='module')
def rtg():
    return safe_load_pickle(os.path.join(DATA, 'rtg_original_subset.pkl'))


@pytest.fixture(scope='module')
def sample():
    return {a['frame_dir']: a for a in safe_load_pickle(SAMPLE)['annotations']}


def in_layout(rtg: dict, joints: tuple[str, ...]) -> tuple[dict, set]:
    """The real clips with their points moved into ``joints`` order by name (absent joints: score 0)."""
    names = list(rtg['joint_names'])
    pos = {j: names.index(rtg_name_of(n)) for j, n in enumerate(joints) if rtg_name_of(n) is not None}
    annos = []
    for a in rtg['annotations']:
        kp = np.zeros(a['keypoint'].shape[:2] + (len(joints), 2), a['keypoint'].dtype)
        sc = np.zeros(a['keypoint'].shape[:2] + (len(joints),), a['keypoint_score'].dtype)
        for j, i in pos.items():
            kp[..., j, :], sc[..., j] = a['keypoint'][..., i, :], a['keypoint_score'][..., i]
        annos.append(dict(a, keypoint=kp, keypoint_score=sc))
    return dict(rtg, annotations=annos, joint_names=list(joints)), {joints[j] for j in pos}


@pytest.mark.parametrize('source', sorted(k for k, v in SOURCE_LAYOUTS.items() if v.target == 'miga22'))
def test_every_registered_source_converts_real_clips(source, rtg, sample, tmp_path, capsys):
    layout = SOURCE_LAYOUTS[source]
    data, present = in_layout(rtg, layout.joints)
    # every layout shows at least both arms (a new layout needs its names in rtg_name_of)
    assert {rtg_name_of(n) for n in present} >= {'RShoulder', 'RElbow', 'RWrist', 'LShoulder', 'LElbow', 'LWrist'}
    src, out = tmp_path / 'in.pkl', tmp_path / 'out.pkl'
    src.write_bytes(pickle.dumps(data))
    assert main([str(src), '--source', source, '--out', str(out), '--float16']) == 0
    assert f'wrote {len(rtg["annotations"])} clips' in capsys.readouterr().out
    got = safe_load_pickle(out)
    assert got['layout'] == 'miga22' and got['source_layout'] == source and got['split'] == rtg['split']
    centre = MIGA22.index('ShoulderCenter')
    fingers = [MIGA22.index(f'{s}Finger{k}') for s in ('Right', 'Left') for k in range(1, 6)]
    has_fingers = any(n.startswith(('RightFinger', 'RHandThumb', 'right_thumb', 'right_hand.')) for n in present)
    names = list(rtg['joint_names'])
    for a, orig in zip(got['annotations'], rtg['annotations']):
        ref = sample[a['frame_dir']]
        assert a['keypoint'].shape == ref['keypoint'].shape == orig['keypoint'].shape[:2] + (22, 2)
        same = [j for j in range(22) if j != centre and (has_fingers or j not in fingers)]
        np.testing.assert_array_equal(a['keypoint'][..., same, :], ref['keypoint'][..., same, :])
        np.testing.assert_array_equal(a['keypoint_score'][..., same], ref['keypoint_score'][..., same])
        if not has_fingers:   # COCO-17: no hands, the finger joints are absent
            assert (a['keypoint_score'][..., fingers] == 0).all()
        if 'Neck' in layout.joints:   # OpenPose layouts carry the neck; the others average the shoulders
            expect_kp, expect_sc = orig['keypoint'][..., names.index('Neck'), :], ref['keypoint_score'][..., centre]
        else:
            sho = [names.index('RShoulder'), names.index('LShoulder')]
            expect_kp = orig['keypoint'][..., sho, :].astype(np.float32).mean(-2).astype(np.float16)
            expect_sc = orig['keypoint_score'][..., sho].min(-1)
        np.testing.assert_array_equal(a['keypoint'][..., centre, :], expect_kp)
        np.testing.assert_array_equal(a['keypoint_score'][..., centre], expect_sc)


def test_coco17_is_accepted_and_an_unknown_source_lists_the_known_ones(rtg, tmp_path, capsys):
    data, _ = in_layout(rtg, SOURCE_LAYOUTS['coco17'].joints)
    src = tmp_path / 'coco.pkl'
    src.write_bytes(pickle.dumps(data))
    assert main([str(src), '--source', 'coco17', '--out', str(tmp_path / 'o.pkl')]) == 0
    with pytest.raises(SystemExit) as e:
        main([str(src), '--source', 'coco_18', '--out', str(tmp_path / 'p.pkl')])
    err = capsys.readouterr().err
    assert e.value.code == 2 and "invalid choice: 'coco_18'" in err
    assert all(name in err for name in SOURCE_LAYOUTS)
    assert not (tmp_path / 'p.pkl').exists()
