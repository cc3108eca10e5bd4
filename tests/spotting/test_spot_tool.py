"""tools/spot.py and tools/analysis/spot_baseline.py end to end on real reach-to-grasp trials and a real video.

The recognizers are tiny PoseC3D models built here with **random initial weights** (GENERATED checkpoints): their
segments are meaningless; the tests check the code path, the window scores against mmaction2's own
``inference_recognizer``, the 2:3 fusion, the files written and the printed metric against the metric module."""
import json
import os
import re

import numpy as np
import pytest

from mg_posec3d.evaluation.spotting_metric import evaluate_spotting
from mg_posec3d.spotting.sequences import load_sequences, read_segment_csv, save_sequences
from tests.conftest import REPO, random_joint_limb_models

TRIALS = os.path.join(REPO, 'mg_posec3d', 'data', 'rtg_trials', 'rtg_trials_miga22_30fps.pkl.gz')
VIDEO = os.path.join(REPO, 'tests', 'data', 'videos', 'basketball_426x240.mp4')
CLASSES = ['small', 'medium', 'large', 'background']
CONFIG = '''
window = 16
model = dict(
    type='Recognizer3D',
    backbone=dict(type='ResNet3dSlowOnly', depth=50, pretrained=None, in_channels={channels}, base_channels=8,
                  num_stages=3, out_indices=(2,), stage_blocks=(1, 1, 1), conv1_stride_s=1, pool1_stride_s=1,
                  inflate=(0, 1, 1), spatial_strides=(2, 2, 2), temporal_strides=(1, 1, 2), dilations=(1, 1, 1)),
    cls_head=dict(type='I3DHead', in_channels=128, num_classes=4, dropout_ratio=0.5, average_clips='prob'),
    data_preprocessor=dict(type='ActionDataPreprocessor', format_shape='NCTHW'))
test_pipeline = [
    dict(type='UniformSampleFrames', clip_len=8, num_clips=1, test_mode=True),
    dict(type='PoseDecode'),
    dict(type='PoseCompact', hw_ratio=1., allow_imgpad=True),
    dict(type='Resize', scale=(24, 24), keep_ratio=False),
    dict(type='FastGeneratePoseTarget', sigma=0.6, use_score=True, with_kp={kp}, with_limb={limb},
         skeletons={skeletons}),
    dict(type='FormatShape', input_format='NCTHW_Heatmap'),
    dict(type='PackActionInputs')]
'''

pytestmark = pytest.mark.usefixtures('one_torch_thread')


@pytest.fixture(scope='module')
def models(tmp_path_factory):
    return random_joint_limb_models(tmp_path_factory.mktemp('spot_models'), CONFIG, CLASSES)


@pytest.fixture(scope='module')
def classifier(tmp_path_factory):
    """A tiny 3-class clip classifier (random weights) for two-stage spotting."""
    import torch
    from mmaction.apis import init_recognizer

    from mg_posec3d.layouts import MIGA22

    root = tmp_path_factory.mktemp('clip_model')
    cfg = root / 'clip.py'
    cfg.write_text(CONFIG.format(channels=21, kp=False, limb=True, skeletons=[list(x) for x in MIGA22.limbs])
                   .replace('num_classes=4', 'num_classes=3'))
    torch.manual_seed(7)
    model = init_recognizer(str(cfg), None, device='cpu')
    torch.save({'state_dict': model.state_dict(), 'meta': {'dataset_meta': {'classes': CLASSES[:3]}}},
               root / 'clip.pth')
    return [str(cfg), str(root / 'clip.pth')]


@pytest.fixture(scope='module')
def two_trials(tmp_path_factory):
    """The first two real P8 trials as a sequence file."""
    seqs = load_sequences(TRIALS, split='test')
    path = str(tmp_path_factory.mktemp('seqs') / 'p8_two.pkl')
    save_sequences(dict(annotations=seqs.sequences[:2], label_names=seqs.label_names), path)
    return path


def test_window_scores_match_mmaction_inference_and_fuse_2_to_3(models, two_trials):
    from mmaction.apis import inference_recognizer

    from mg_posec3d.apis.inference import load_model
    from mg_posec3d.evaluation.fusion import fuse
    from mg_posec3d.spotting.inference import WindowScorer, score_sequence, window_input

    seq = load_sequences(two_trials).sequences[0]
    loaded = [load_model(models[0], models[1]), load_model(models[2], models[3])]
    assert loaded[0].class_names == CLASSES
    centres = np.array([0, 5, 40, 77, seq['keypoint'].shape[1] - 1])
    batched = WindowScorer(loaded[0], batch_size=16).score(seq, centres, 16)
    single = WindowScorer(loaded[0], batch_size=2).score(seq, centres, 16)
    ref = np.stack([inference_recognizer(loaded[0].model, window_input(seq, c, 16)).pred_score.numpy()
                    for c in centres])
    np.testing.assert_allclose(batched, ref, atol=1e-6)
    np.testing.assert_allclose(single, ref, atol=1e-6)
    scores = score_sequence(seq, [WindowScorer(m) for m in loaded], 16, stride=10)
    T = seq['keypoint'].shape[1]
    assert scores.centres.tolist() == sorted(set(range(0, T, 10)) | {T - 1})
    p_joint, p_limb = scores.per_model
    np.testing.assert_allclose(scores.fused, (2 * p_joint + 3 * p_limb) / 5)  # the MiGA 2023 weights
    np.testing.assert_allclose(scores.fused, fuse(scores.per_model))
    np.testing.assert_allclose(scores.frame_probs[scores.centres], scores.fused)


def test_the_stgcn_window_model_scores_windows_as_mmaction_does(two_trials, tmp_path):
    """The shipped ST-GCN window model config (random weights, a GENERATED checkpoint) through the same window
    scorer, frozen by TorchScript, against mmaction2's ``inference_recognizer`` on the eager model."""
    import torch
    from mmaction.apis import inference_recognizer, init_recognizer

    from mg_posec3d.apis.inference import load_model
    from mg_posec3d.models.frozen import freeze_for_cpu_inference, is_frozen
    from mg_posec3d.spotting.inference import WindowScorer, window_input

    cfg = os.path.join(REPO, 'configs', 'spotting', 'rtg_demo_stgcn.py')
    torch.manual_seed(0)
    ckpt = str(tmp_path / 'stgcn.pth')
    torch.save({'state_dict': init_recognizer(cfg, None, device='cpu').state_dict(),
                'meta': {'dataset_meta': {'classes': CLASSES}}}, ckpt)
    loaded = load_model(cfg, ckpt)
    seq = load_sequences(two_trials).sequences[0]
    centres = np.array([0, 40, seq['keypoint'].shape[1] - 1])
    ref = np.stack([inference_recognizer(loaded.model, window_input(seq, c, 32)).pred_score.numpy()
                    for c in centres])
    freeze_for_cpu_inference(loaded.model)
    got = WindowScorer(loaded, batch_size=16).score(seq, centres, 32)
    assert is_frozen(loaded.model)
    np.testing.assert_allclose(got, ref, atol=1e-6)  # random weights: windows differ by ~1e-4


def test_spot_cli_on_real_trials(models, two_trials, tmp_path, capsys):
    from tools.spot import main

    out = str(tmp_path / 'out')
    argv = [two_trials, *models, '--out', out, '--stride', '4', '--eval', '--tune', str(tmp_path / 'decode.json'),
            '--fps', '30', '--save-scores', '--precision', 'fp32']
    assert main(argv) == 0
    text = capsys.readouterr().out
    seqs = load_sequences(two_trials).sequences
    names = [s['frame_dir'] for s in seqs]
    preds = {n: read_segment_csv(os.path.join(out, f'{n}_prediction.csv')) for n in names}
    for n in names:
        with open(os.path.join(out, f'{n}_timeline.png'), 'rb') as f:
            assert f.read(8) == b'\x89PNG\r\n\x1a\n'
    # the printed and saved scores are the metric module's on the written csv files
    expected = evaluate_spotting(preds, {s['frame_dir']: s['segments'] for s in seqs})
    for thr in (0.3, 0.5):
        s = expected[thr]
        assert f'overlap > {thr:g}: precision {s.precision:.4f} recall {s.recall:.4f} F1 {s.f1:.4f}' in text
    saved = json.load(open(os.path.join(out, 'eval.json')))
    assert saved['scores']['0.3']['tp'] == expected[0.3].tp and saved['decode'] == json.load(
        open(tmp_path / 'decode.json'))['params']
    assert re.search(r'real-time factor [0-9.]+x by wall clock, [0-9.]+x by CPU time', text)
    assert 'fp32, TorchScript-frozen' in text  # the CPU default in fp32
    # the eager forward (--eager, the oracle for the frozen graphs) gives the same window probabilities
    eager = str(tmp_path / 'eager')
    assert main([two_trials, *models, '--out', eager, '--stride', '4', '--no-plot', '--save-scores', '--eager',
                 '--precision', 'fp32']) == 0
    assert 'fp32, eager' in capsys.readouterr().out
    for n in names:
        with np.load(os.path.join(out, f'{n}_scores.npz')) as a, np.load(os.path.join(eager, f'{n}_scores.npz')) as b:
            np.testing.assert_allclose(a['per_model'], b['per_model'], atol=1e-5)
    # decoding the saved probabilities again with the tuned parameters gives the same segments, without models
    again = str(tmp_path / 'again')
    assert main([two_trials, '--scores-from', out, '--decode-params', str(tmp_path / 'decode.json'), '--out', again,
                 '--no-plot']) == 0
    for n in names:
        assert read_segment_csv(os.path.join(again, f'{n}_prediction.csv')) == preds[n]
    # ... and with --weights 0 1 the segments of the limb model's probabilities alone
    from mg_posec3d.spotting.decode import decode_segments
    from mg_posec3d.spotting.inference import interpolate_frames
    from mg_posec3d.spotting.runner import load_decode_params
    limb = str(tmp_path / 'limb')
    assert main([two_trials, '--scores-from', out, '--decode-params', str(tmp_path / 'decode.json'), '--out', limb,
                 '--no-plot', '--weights', '0', '1']) == 0
    params = load_decode_params(str(tmp_path / 'decode.json'))
    for seq in seqs:
        with np.load(os.path.join(out, f"{seq['frame_dir']}_scores.npz")) as z:
            probs = interpolate_frames(z['centres'], z['per_model'][1], seq['keypoint'].shape[1])
        want = [s[:3] for s in decode_segments(probs, 3, params)]
        assert read_segment_csv(os.path.join(limb, f"{seq['frame_dir']}_prediction.csv")) == want
    capsys.readouterr()
    # outputs are never replaced silently
    assert main(argv) == 2
    assert re.search(r'^error: (.*(decode\.json|eval\.json|_prediction\.csv) exists|\d+ output files exist: .*'
                     r'(decode\.json|eval\.json|_prediction\.csv).*); pass --overwrite',
                     capsys.readouterr().err, re.M)


def test_spot_cli_on_a_video(models, tmp_path, capsys):
    pytest.importorskip('mediapipe')
    import cv2

    from tools.spot import main

    gt = tmp_path / 'gt.csv'
    gt.write_text('1,4,11\n')  # GENERATED ground truth for the code path (video frames 4..11)
    out = str(tmp_path / 'out')
    assert main([VIDEO, *models, '--out', out, '--max-frames', '24', '--stride', '4', '--gt', str(gt), '--eval',
                 '--no-progress']) == 0
    text = capsys.readouterr().out
    assert 'wrote ' + os.path.join(out, 'basketball_426x240_overlay.mp4') + ' (24 frames)' in text
    assert 'overlap > 0.3: precision' in text and 'ground truth 1)' in text
    cap = cv2.VideoCapture(os.path.join(out, 'basketball_426x240_overlay.mp4'))
    assert int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) == 24
    ok, frame = cap.read()
    assert ok and frame.shape == (240, 426, 3)
    rows = read_segment_csv(os.path.join(out, 'basketball_426x240_prediction.csv'))
    assert all(0 <= s <= e <= 23 and 0 <= label < 3 for label, s, e in rows)
    assert os.path.getsize(os.path.join(out, 'basketball_426x240_timeline.png')) > 0


def test_baseline_parts_on_hand_made_motion():
    from mg_posec3d.spotting.baseline import BaselineParams, features, hysteresis_runs, spot_baseline

    x = np.array([0, .05, .2, .3, .15, .08, .02, .0, .25, .05])
    assert hysteresis_runs(x, 0.2, 0.06) == [(2, 5), (8, 8)]  # starts at >= 0.2, lasts while >= 0.06
    # GENERATED skeleton: shoulders 100 px apart; the image-left wrist moves 10 px per frame on frames 5..14,
    # its thumb and index tips 20 px apart (opening 0.2 shoulder widths)
    T = 30
    kp = np.zeros((1, T, 22, 2), np.float32)
    sc = np.zeros((1, T, 22), np.float32)
    kp[0, :, 2] = (100, 100)
    kp[0, :, 5] = (200, 100)
    xs = np.concatenate([np.full(5, 50.), 50 + 10 * np.arange(1, 11), np.full(15, 150.)])
    kp[0, :, 4, 0], kp[0, :, 4, 1] = xs, 200
    kp[0, :, 12] = kp[0, :, 4] + (0, 10)
    kp[0, :, 13] = kp[0, :, 4] + (0, 30)
    sc[0, :, [2, 5, 4, 12, 13]] = 1
    speed, opening = features(dict(keypoint=kp, keypoint_score=sc))
    assert speed[5:15, 0].tolist() == pytest.approx([0.1] * 10) and speed[16:, 0].max() == 0
    assert np.nanmax(np.abs(opening[:, 0] - 0.2)) < 1e-6 and np.isnan(opening[:, 1]).all()
    params = BaselineParams(on=0.05, off=0.05, smooth=1, min_len=3, class_order=[2, 0, 1], thresholds=[0.15, 0.3])
    assert spot_baseline(dict(keypoint=kp, keypoint_score=sc), params) == [(0, 5, 14)]  # 0.15 <= 0.2 < 0.3


def test_baseline_cli_on_real_trials(tmp_path, capsys):
    from tools.analysis.spot_baseline import main

    seqs = load_sequences(TRIALS)
    p1 = [s for s in seqs.sequences if s['subject'] == 1][::8]  # large, medium and small trials
    p8 = [s for s in seqs.sequences if s['subject'] == 8][:6]
    path = str(tmp_path / 'few.pkl')
    save_sequences(dict(annotations=p1 + p8, label_names=seqs.label_names,
                        split=dict(train=[s['frame_dir'] for s in p1], test=[s['frame_dir'] for s in p8])), path)
    out = str(tmp_path / 'base')
    assert main([path, '--tune-split', 'train', '--split', 'test', '--out', out, '--join-by', 'subject',
                 '--eval']) == 0
    text = capsys.readouterr().out
    preds = {'subject8_joined': read_segment_csv(os.path.join(out, 'subject8_joined_prediction.csv'))}
    from mg_posec3d.spotting.sequences import join_by
    gts = {'subject8_joined': join_by(p8, 'subject')[0]['segments']}
    s = evaluate_spotting(preds, gts)[0.3]
    assert f'overlap > 0.3: precision {s.precision:.4f} recall {s.recall:.4f} F1 {s.f1:.4f}' in text
    params = json.load(open(os.path.join(out, 'params.json')))['params']
    assert sorted(params['class_order']) == [0, 1, 2] and len(params['thresholds']) == 2
    assert main([path, '--tune-split', 'test', '--split', 'test', '--out', out]) == 2
    assert 'is also a --tune-split' in capsys.readouterr().err


def test_two_stage_relabels_found_segments_with_the_clip_classifier(models, classifier, two_trials, tmp_path, capsys):
    """--classify keeps where the segments are and takes each one's class from the clip classifier's argmax on
    the segment with its margin (oracle: mmaction2's inference_recognizer on that clip)."""
    from mmaction.apis import inference_recognizer

    from mg_posec3d.apis.inference import load_model
    from mg_posec3d.spotting.inference import segment_input
    from tools.spot import main

    out = str(tmp_path / 'one')
    base = [two_trials, *models, '--stride', '8', '--threshold', '0.2', '--mode', 'actionness', '--smooth', '1',
            '--min-len', '1', '--no-plot', '--save-scores']
    assert main(base + ['--out', out]) == 0
    two = str(tmp_path / 'two')
    assert main([two_trials, '--scores-from', out, '--threshold', '0.2', '--mode', 'actionness', '--smooth', '1',
                 '--min-len', '1', '--no-plot', '--out', two, '--classify', *classifier, '--classify-margin', '5']) == 0
    capsys.readouterr()
    clip = load_model(*classifier)
    found = 0
    for seq in load_sequences(two_trials).sequences:
        n = seq['frame_dir']
        first = read_segment_csv(os.path.join(out, f'{n}_prediction.csv'))
        second = read_segment_csv(os.path.join(two, f'{n}_prediction.csv'))
        assert [s[1:] for s in second] == [s[1:] for s in first]
        for label, s, e in second:
            want = inference_recognizer(clip.model, segment_input(seq, s, e, 5)).pred_score.numpy().argmax()
            assert label == want
            found += 1
    assert found > 0


def test_windows_within_parts_of_a_joined_sequence_equal_the_parts_alone(models, two_trials):
    """--windows-within-parts: no window crosses the junction of two joined trials, so every window score of the
    joined sequence equals the score of the same window of its own trial."""
    from mg_posec3d.apis.inference import load_model
    from mg_posec3d.spotting.inference import WindowScorer, part_of_rows, window_input
    from mg_posec3d.spotting.sequences import join_sequences

    a, b = load_sequences(two_trials).sequences
    joined = join_sequences([a, b], 'ab')
    ta = a['keypoint'].shape[1]
    centres = np.array([0, ta - 2, ta - 1, ta, ta + 3, joined['total_frames'] - 1])
    parts = part_of_rows(joined, centres)
    assert parts == [(0, ta)] * 3 + [(ta, b['keypoint'].shape[1])] * 3
    scorer = WindowScorer(load_model(models[2], models[3]))
    got = scorer.score(joined, centres, 16, parts)
    want = np.concatenate([scorer.score(a, centres[:3], 16), scorer.score(b, centres[3:] - ta, 16)])
    np.testing.assert_allclose(got, want, atol=1e-6)
    crossing = window_input(joined, ta - 1, 16)  # without parts the window does cross the junction
    assert not np.array_equal(crossing['keypoint'], window_input(a, ta - 1, 16)['keypoint'])
