"""The bad-input table of docs/reliability.md, one test per row: each bad input gives the
message the user sees (naming the file, sample and field), never a traceback from deep inside mmengine."""
import os
import pickle
import re

import numpy as np
import pytest
import torch
from mmaction.registry import DATASETS

from tests.conftest import REPO, SAMPLE, SAMPLE_EMB

CASES = {}


def case(name):
    def register(fn):
        CASES[name] = fn
        return fn
    return register


def _clip(name='a', T=10, V=22, label=0, **kw):
    ann = dict(frame_dir=name, label=label, total_frames=T, img_shape=(64, 64),
               keypoint=np.full((1, T, V, 2), 10, np.float32), keypoint_score=np.ones((1, T, V), np.float32))
    ann.update(kw)
    return ann


def _ann_file(tmp, annos=None, split='auto', obj=None):
    path = os.path.join(tmp, 'ann.pkl')
    if obj is None:
        annos = annos if annos is not None else [_clip()]
        obj = dict(split={'train': [a['frame_dir'] for a in annos]} if split == 'auto' else split, annotations=annos)
    with open(path, 'wb') as f:
        pickle.dump(obj, f)
    return path


def _dataset(path, **kw):
    cfg = dict(type='MGPoseDataset', ann_file=path, pipeline=[], split='train', num_classes=3)
    cfg.update(kw)
    return DATASETS.build(cfg)


def _cli(module, argv, capsys):
    code = _load_tool(module).main(argv)
    err = capsys.readouterr().err
    assert code == 2, err
    return err


# ---- annotation files (every tool that reads them: train, test, dataset, converters) ----
@case('truncated pickle')
def _(tmp, capsys):
    path = _ann_file(tmp)
    data = open(path, 'rb').read()
    open(path, 'wb').write(data[:len(data) // 2])
    with pytest.raises(ValueError) as e:
        _dataset(path)
    return str(e.value), r'ann\.pkl: not a readable pickle file \(truncated or corrupt\?\)'


@case('pickle that would run code')
def _(tmp, capsys):
    class Payload:
        def __reduce__(self):
            return (os.system, ('true',))
    path = _ann_file(tmp, obj={'annotations': [Payload()]})
    with pytest.raises(pickle.UnpicklingError) as e:
        _dataset(path)
    return str(e.value), r'ann\.pkl: refusing to load (posix|os)\.system .* --unsafe-pickle'


@case('wrong top-level type')
def _(tmp, capsys):
    with pytest.raises(ValueError) as e:
        _dataset(_ann_file(tmp, obj='not annotations'))
    return str(e.value), r"field '<top level>': expected a dict with \"split\" and \"annotations\""


@case('no annotations list')
def _(tmp, capsys):
    with pytest.raises(ValueError) as e:
        _dataset(_ann_file(tmp, obj={'split': {}}))
    return str(e.value), r"field 'annotations': top-level dict has no \"annotations\" list"


@case('missing split')
def _(tmp, capsys):
    with pytest.raises(ValueError) as e:
        _dataset(_ann_file(tmp), split='val')
    return str(e.value), r"field 'split': no split 'val'; the file has \['train'\]"


@case('empty split list')
def _(tmp, capsys):
    with pytest.raises(ValueError) as e:
        _dataset(_ann_file(tmp, split={'train': []}))
    return str(e.value), r"field 'split\['train'\]': is empty"


@case('split id without annotation')
def _(tmp, capsys):
    with pytest.raises(ValueError) as e:
        _dataset(_ann_file(tmp, split={'train': ['a', 'ghost']}))
    return str(e.value), r"sample 'ghost', field 'split': listed in split 'train' but has no annotation"


@case('joint-count mismatch')
def _(tmp, capsys):
    with pytest.raises(ValueError) as e:
        _dataset(_ann_file(tmp, [_clip(V=17)]))
    return str(e.value), r"sample 'a', field 'keypoint': 17 joints, but the layout has 22"


@case('keypoint not [M,T,V,2]')
def _(tmp, capsys):
    with pytest.raises(ValueError) as e:
        _dataset(_ann_file(tmp, [_clip(keypoint=np.zeros((10, 22, 2), np.float32))]))
    return str(e.value), r"sample 'a', field 'keypoint': shape \(10, 22, 2\), expected \[M, T, V, 2\]"


@case('score shape mismatch')
def _(tmp, capsys):
    with pytest.raises(ValueError) as e:
        _dataset(_ann_file(tmp, [_clip(keypoint_score=np.ones((1, 9, 22), np.float32))]))
    return str(e.value), r"sample 'a', field 'keypoint_score': shape \(1, 9, 22\) does not match"


@case('missing field')
def _(tmp, capsys):
    bad = _clip()
    del bad['keypoint_score']
    with pytest.raises(ValueError) as e:
        _dataset(_ann_file(tmp, [bad]))
    return str(e.value), r"sample 'a', field 'keypoint_score': missing"


@case('total_frames mismatch')
def _(tmp, capsys):
    with pytest.raises(ValueError) as e:
        _dataset(_ann_file(tmp, [_clip(total_frames=12)]))
    return str(e.value), r"sample 'a', field 'total_frames': 12 but keypoint has 10 frames"


@case('zero-frame clip')
def _(tmp, capsys):
    with pytest.raises(ValueError) as e:
        _dataset(_ann_file(tmp, [_clip(T=0)]))
    return str(e.value), r"sample 'a', field 'total_frames': zero-frame clip"


@case('no person (M = 0)')
def _(tmp, capsys):
    with pytest.raises(ValueError) as e:
        _dataset(_ann_file(tmp, [_clip(keypoint=np.zeros((0, 10, 22, 2), np.float32),
                                       keypoint_score=np.zeros((0, 10, 22), np.float32))]))
    return str(e.value), r"sample 'a', field 'keypoint': no person \(M = 0\)"


@case('label 32 for 32 classes')
def _(tmp, capsys):
    with pytest.raises(ValueError) as e:
        _dataset(_ann_file(tmp, [_clip(label=32)]), num_classes=32)
    return str(e.value), r"sample 'a', field 'label': 32 outside \[0, 32\) for 32 classes"


@case('duplicate frame_dir')
def _(tmp, capsys):
    with pytest.raises(ValueError) as e:
        _dataset(_ann_file(tmp, [_clip('a'), _clip('a')]))
    return str(e.value), r"sample 'a', field 'frame_dir': duplicate id: appears 2 times"


@case('bad img_shape')
def _(tmp, capsys):
    with pytest.raises(ValueError) as e:
        _dataset(_ann_file(tmp, [_clip(img_shape=(0, 64))]))
    return str(e.value), r"sample 'a', field 'img_shape': expected \(height, width\) positive ints"


@case('NaN keypoints (not an error)')
def _(tmp, capsys):
    nan = _clip()
    nan['keypoint'][0, :, 3] = np.nan
    ds = _dataset(_ann_file(tmp, [nan]))
    assert ds.get_data_info(0)['keypoint_score'][0, :, 3].max() == 0
    return f'{ds.validation_report.nonfinite_joints} NaN/inf joints treated as missing (score 0)', r'^10 NaN'


@case('many problems at once, listed together')
def _(tmp, capsys):
    with pytest.raises(ValueError) as e:
        _dataset(_ann_file(tmp, [_clip('a', V=17), _clip('b', label=5), _clip('c', total_frames=3)]))
    return str(e.value), r"3 problem\(s\) in 3 sample\(s\)(.|\n)*'a'(.|\n)*'b'(.|\n)*'c'(.|\n)*--skip-invalid"


@case('annotation file missing')
def _(tmp, capsys):
    with pytest.raises(FileNotFoundError) as e:
        _dataset(os.path.join(tmp, 'data', 'imigue', 'imigue_miga22.pkl'))
    return str(e.value), r'imigue_miga22\.pkl does not exist\. Prepare it as described in docs/data\.md'


# ---- configs, checkpoints (tools/train.py, tools/test.py) ----
@case('non-existent config')
def _(tmp, capsys):
    err = _cli('train', [os.path.join(tmp, 'nope.py')], capsys)
    return err, r'error: config .*nope\.py does not exist'


@case('non-existent checkpoint')
def _(tmp, capsys):
    err = _cli('test', [os.path.join(REPO, 'configs', 'joint.py'), os.path.join(tmp, 'x.pth')], capsys)
    return err, r'error: checkpoint .*x\.pth does not exist'


def _checkpoint(tmp, classes=3, channels=22, extra=None):
    from mmaction.registry import MODELS
    from mmengine.config import Config
    cfg = Config.fromfile(os.path.join(REPO, 'configs', 'demo', 'joint.py'))
    cfg.model.cls_head.num_classes = classes
    cfg.model.backbone.in_channels = channels
    state = MODELS.build(cfg.model).state_dict()
    path = os.path.join(tmp, 'model.pth')
    torch.save(dict(state_dict=state, meta={}, **(extra or {})), path)
    return path


@case('checkpoint for another num_classes')
def _(tmp, capsys):
    err = _cli('test', [os.path.join(REPO, 'configs', 'demo', 'joint.py'), _checkpoint(tmp, classes=32)], capsys)
    return err, r'has 32 classes but config has num_classes=3: wrong checkpoint for this config\?'


@case('joint checkpoint with a limb config')
def _(tmp, capsys):
    err = _cli('test', [os.path.join(REPO, 'configs', 'demo', 'limb.py'), _checkpoint(tmp)], capsys)
    return err, r'expects 22 input heatmap channels but the config has in_channels=21 \(joint vs limb checkpoint\?\)'


@case('checkpoint that would run code')
def _(tmp, capsys):
    class Payload:
        def __reduce__(self):
            return (os.system, ('true',))
    err = _cli('test', [os.path.join(REPO, 'configs', 'demo', 'joint.py'),
                        _checkpoint(tmp, extra={'x': Payload()})], capsys)
    return err, r'could not be loaded with weights_only=True: it references (posix|os)\.system, which is not plain ' \
                r'data\. If it comes from a source you trust, pass --trust-checkpoint'


# ---- label embeddings ----
@case('class name with unknown words')
def _(tmp, capsys):
    labels = os.path.join(tmp, 'labels.txt')
    open(labels, 'w').write('0 touch face\n1 qwxzv blorptastic\n')
    err = _cli('build_label_embeddings', [labels, '--out', os.path.join(tmp, 'e.npy'), '--vectors',
                                          os.path.join(REPO, 'tests', 'data', 'glove_subset_300d.txt')], capsys)
    return err, r"2 word\(s\) of the class names have no vector: \['blorptastic', 'qwxzv'\]"


@case('embedding rows != classes')
def _(tmp, capsys):
    with pytest.raises(ValueError) as e:
        _dataset(SAMPLE, num_classes=32, label_embeddings=SAMPLE_EMB, split='val', skip_invalid=True)
    return str(e.value), r'rtg_glove50\.npy: has 3 rows but the model has 32 classes'


@case('existing output file')
def _(tmp, capsys):
    out = os.path.join(tmp, 'e.npy')
    open(out, 'w').write('mine')
    err = _cli('build_label_embeddings', [os.path.join(REPO, 'mg_posec3d', 'data', 'rtg_sample', 'labels.txt'),
                                          '--out', out], capsys)
    assert open(out).read() == 'mine'
    return err, r'e\.npy exists; pass --overwrite to replace it'


# ---- MiGA converter ----
@case('MiGA label csv with an unknown gesture id')
def _(tmp, capsys):
    raw = os.path.join(tmp, 'raw')
    os.makedirs(raw)
    row = ','.join(['0'] + ['1'] * 105)
    open(os.path.join(raw, 'v1_light_hand.csv'), 'w').write(row + '\n')
    open(os.path.join(raw, 'v1_label.csv'), 'w').write('40,0,0\n')
    out = capsys.readouterr()
    _cli_ok = _load_tool('convert_miga').main(['--split', f'train={raw}', '--out', os.path.join(tmp, 'o.pkl')])
    out = capsys.readouterr().out
    assert _cli_ok == 0
    return out, r'skipped 1 x unreadable label csv \(.*v1_label\.csv: label row 1: gesture id 40 is outside 1\.\.31'


@case('MiGA skeleton csv with a wrong column count')
def _(tmp, capsys):
    raw = os.path.join(tmp, 'raw')
    os.makedirs(raw)
    open(os.path.join(raw, 'v1_light_hand.csv'), 'w').write('0,1,2,3\n')
    assert _load_tool('convert_miga').main(['--split', f'test={raw}', '--out', os.path.join(tmp, 'o.pkl')]) == 0
    out = capsys.readouterr().out
    return out, r'wrote 0 clips.*skipped 1 x unreadable skeleton csv .*row 1 has 4 values, expected 106'


def _extract(tmp, kind, capsys, *extra):
    code = _load_tool('extract_pose').main([os.path.join(tmp, kind), '--out', os.path.join(tmp, 'o.pkl'),
                                            '--no-progress', *extra])
    out = capsys.readouterr()
    assert code != 0 and not os.path.exists(os.path.join(tmp, 'o.pkl'))
    return out.out + out.err


# ---- pose extraction and importers (tools/extract_pose.py) ----
@case('empty OpenPose JSON')
def _(tmp, capsys):
    os.makedirs(os.path.join(tmp, 'json'))
    open(os.path.join(tmp, 'json', 'a_000000000000_keypoints.json'), 'w').write('{"version": 1.3, "people": []}')
    out = _extract(tmp, 'json', capsys, '--img-shape', '1080', '1920')
    return out, r'skipped json: .*json: no person found in any of 1 sampled frames'


@case('corrupt mp4')
def _(tmp, capsys):
    os.makedirs(os.path.join(tmp, 'vids'))
    data = open(os.path.join(REPO, 'tests', 'data', 'videos', 'basketball_426x240.mp4'), 'rb').read(3000)
    open(os.path.join(tmp, 'vids', 'broken.mp4'), 'wb').write(data)
    out = _extract(tmp, 'vids', capsys)
    return out, r'skipped broken: .*broken\.mp4: cannot open the video \(not a video file or unsupported codec\)'


@case('unreadable xlsx')
def _(tmp, capsys):
    os.makedirs(os.path.join(tmp, 'xlsx'))
    open(os.path.join(tmp, 'xlsx', 'v1_openpose.xlsx'), 'w').write('not a spreadsheet')
    out = _extract(tmp, 'xlsx', capsys)
    return out, r'skipped v1: .*v1_openpose\.xlsx: not a readable xlsx file: BadZipFile'


# ---- ensembles and submissions (tools/test.py --ensemble) ----
def _dumps(tmp, ids_a, ids_b, labels=True):
    from mg_posec3d.fileio import save_scores
    paths = []
    for name, ids in (('joint', ids_a), ('limb', ids_b)):
        scores = np.full((len(ids), 3), 1 / 3, np.float32)
        paths.append(save_scores(os.path.join(tmp, f'{name}.npz'), ids, scores,
                                 [0] * len(ids) if labels else None))
    return paths


@case('ensemble dumps with different ids')
def _(tmp, capsys):
    a, b = _dumps(tmp, ['x1', 'x2', 'x3'], ['x1', 'x2', 'y9'])
    err = _cli('test', ['--ensemble', a, b, '--work-dir', os.path.join(tmp, 'w')], capsys)
    return err, r'x3(.|\n)*y9'


def _submission(tmp, capsys, ids, *extra):
    ann = _ann_file(tmp, [_clip(i) for i in ('v1_0', 'v1_1', 'v2_0')], split={'test': ['v1_0', 'v1_1', 'v2_0']})
    a, b = _dumps(tmp, ids, ids, labels=False)
    return _cli('test', ['--ensemble', a, b, '--submission', 'miga2023', '--ann-file', ann, '--split', 'test',
                         '--out', os.path.join(tmp, 'sub'), '--work-dir', os.path.join(tmp, 'w'), *extra], capsys)


@case('submission with a missing id')
def _(tmp, capsys):
    err = _submission(tmp, capsys, ['v1_0', 'v1_1'])
    assert not os.path.exists(os.path.join(tmp, 'sub', 'Submission.zip'))
    return err, r'v2_0'


@case('existing submission')
def _(tmp, capsys):
    os.makedirs(os.path.join(tmp, 'sub'))
    open(os.path.join(tmp, 'sub', 'Submission.zip'), 'w').write('mine')
    err = _submission(tmp, capsys, ['v1_0', 'v1_1', 'v2_0'])
    assert open(os.path.join(tmp, 'sub', 'Submission.zip')).read() == 'mine'
    return err, r'Submission\.zip.*--overwrite'


# ---- spotting (branch spotting): tools/spot.py, make_windows.py, convert_sequences.py ----
def _sequences(tmp, segments):
    from mg_posec3d.spotting.sequences import save_sequences
    annos = [_clip(name, label=-1, segments=segs) for name, segs in segments.items()]
    path = os.path.join(tmp, 'seqs.pkl')
    save_sequences(dict(split={'train': list(segments)}, annotations=annos), path)
    return path


@case('segment outside its sequence')
def _(tmp, capsys):
    path = _sequences(tmp, {'a': [(0, 2, 6)], 'b': [(1, 5, 500)]})
    code = _load_tool('make_windows').main([path, '--split', 'train', '--window', '4', '--out',
                                            os.path.join(tmp, 'w.pkl')])
    out = capsys.readouterr()
    assert code == 0 and os.path.exists(os.path.join(tmp, 'w.pkl'))  # sequence a still cut
    return out.err, (r"skipped b: .*seqs\.pkl: sequence 'b': field 'segments\[0\]': frames 5\.\.500 are not "
                     r"within the sequence \(0\.\.9, start <= end\)")


@case('label csv with a short row')
def _(tmp, capsys):
    from mg_posec3d.spotting.sequences import save_sequences
    save_sequences(dict(annotations=[_clip('a', label=-1), _clip('b', label=-1)]), os.path.join(tmp, 'pose.pkl'))
    os.makedirs(os.path.join(tmp, 'labels'))
    open(os.path.join(tmp, 'labels', 'a_label.csv'), 'w').write('1,0,3\n')
    open(os.path.join(tmp, 'labels', 'b_label.csv'), 'w').write('1,0,3\n2,5\n')
    code = _load_tool('convert_sequences').main([os.path.join(tmp, 'pose.pkl'), '--labels',
                                                 os.path.join(tmp, 'labels'), '--out', os.path.join(tmp, 's.pkl')])
    out = capsys.readouterr().out
    assert code == 0
    return out, (r'wrote 1 sequences, 10 frames; skipped 1 x unreadable label csv \(.*b_label\.csv: line 2: '
                 r'expected "label,start,end" integers, got \[\'2\', \'5\'\]\)')


@case('spotting outputs exist')
def _(tmp, capsys):
    path = _sequences(tmp, {'a': [(0, 2, 6)]})
    os.makedirs(os.path.join(tmp, 'out'))
    open(os.path.join(tmp, 'out', 'a_prediction.csv'), 'w').write('mine')
    err = _cli('spot', [path, 'joint.py', 'joint.pth', '--out', os.path.join(tmp, 'out')], capsys)
    assert open(os.path.join(tmp, 'out', 'a_prediction.csv')).read() == 'mine'
    return err, r'^error: .*out/a_prediction\.csv exists; pass --overwrite to replace it\n$'


@case('spot.py with an odd number of model files')
def _(tmp, capsys):
    err = _cli('spot', [_sequences(tmp, {'a': []}), 'joint.py', '--out', os.path.join(tmp, 'out')], capsys)
    return err, r'^error: give CONFIG CHECKPOINT pairs\n$'


@case('decoding parameters that are not JSON')
def _(tmp, capsys):
    bad = os.path.join(tmp, 'decode.json')
    open(bad, 'w').write('threshold: 0.5')
    err = _cli('spot', [_sequences(tmp, {'a': []}), 'j.py', 'j.pth', '--decode-params', bad, '--out', tmp], capsys)
    return err, r'^error: .*decode\.json: not a JSON file: Expecting value: line 1 column 1'


def _load_tool(name):
    import importlib.util
    spec = importlib.util.spec_from_file_location(name, os.path.join(REPO, 'tools', f'{name}.py'))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.parametrize('name', list(CASES))
def test_bad_input(name, tmp_path, capsys):
    message, pattern = CASES[name](str(tmp_path), capsys)
    assert re.search(pattern, message), f'{name}: {message!r} does not match {pattern!r}'
    assert 'Traceback' not in message


def test_every_case_is_in_the_readme_table():
    readme = open(os.path.join(REPO, 'docs', 'reliability.md')).read()
    missing = [name for name in CASES if f'| {name} |' not in readme]
    assert not missing, f'docs/reliability.md bad-input table lacks rows for {missing}'
