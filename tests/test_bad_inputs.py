"""The bad-input table of docs/reliability.md, one test per row: each bad input gives the
message the user sees (naming the file, sample and field), never a traceback from deep inside mmengine."""
import os
import pickle
import re

import numpy as np
import pytest
import torch
from mmaction.registry import DATASETS

from tests.conftest import REPO, SAMPLE, SAMPLE_EMB, tool_path

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
    return out, r'skipped 1 x unreadable label csv \(.*v1_label\.csv: line 1: gesture id 40 is outside 1\.\.31'


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


# ---- pose extraction and importers (tools/data/extract_pose.py) ----
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


# ---- sec-tools (outputs refused without --overwrite; one error line, traceback only with --debug) ----
@case('score dump onto an annotation pickle')
def _(tmp, capsys):
    ann = _ann_file(tmp)
    before = open(ann, 'rb').read()
    err = _cli('test', [os.path.join(REPO, 'configs', 'demo', 'joint.py'), os.path.join(tmp, 'x.pth'), '--dump', ann,
                        '--overwrite'], capsys)
    assert open(ann, 'rb').read() == before
    return err, r'^error: --dump .*ann\.pkl: this file is an annotation file or another pickle, not a score dump; ' \
                r'refusing to replace it \(even with --overwrite\)\n$'


@case('existing score dump')
def _(tmp, capsys):
    dump = os.path.join(tmp, 'joint_val.npz')
    open(dump, 'w').write('mine')
    err = _cli('test', [os.path.join(REPO, 'configs', 'demo', 'joint.py'), os.path.join(tmp, 'x.pth'), '--dump', dump],
               capsys)
    assert open(dump).read() == 'mine'
    return err, r'^error: .*joint_val\.npz exists; pass --overwrite to replace it\n$'


@case('reused ensemble work dir')
def _(tmp, capsys):
    a, b = _dumps(tmp, ['x1', 'x2'], ['x1', 'x2'])
    argv = ['--ensemble', a, b, '--work-dir', os.path.join(tmp, 'w')]
    assert _load_tool('test').main(argv) == 0
    capsys.readouterr()
    err = _cli('test', argv, capsys)
    return err, r'^error: 8 output files exist: .*w/fused_per_class\.csv, .*w/fused_confusion\.png, ' \
                r'.*w/input0_per_class\.csv, .*w/input0_confusion\.png and 4 more; pass --overwrite to replace them\n$'


@case('submission --out naming a file')
def _(tmp, capsys):
    open(os.path.join(tmp, 'sub'), 'w').write('mine')
    err = _submission(tmp, capsys, ['v1_0', 'v1_1', 'v2_0'], '--overwrite')
    assert open(os.path.join(tmp, 'sub')).read() == 'mine'
    return err, r'^error: .*sub is a file, not a folder; give a folder path\n$'


@case('existing overlay video')
def _(tmp, capsys):
    os.makedirs(os.path.join(tmp, 'vis'))
    open(os.path.join(tmp, 'vis', 'basketball_426x240.mp4'), 'w').write('mine')
    err = _cli('extract_pose', [os.path.join(REPO, 'tests', 'data', 'videos'), '--out', os.path.join(tmp, 'o.pkl'),
                                '--vis', os.path.join(tmp, 'vis')], capsys)
    return err, r'^error: .*vis/basketball_426x240\.mp4 exists; pass --overwrite to replace it\n$'


@case('existing pairing report')
def _(tmp, capsys):
    report = os.path.join(tmp, 'report.json')
    open(report, 'w').write('mine')
    err = _cli('pair_rgb', [SAMPLE, os.path.join(REPO, 'tests', 'data', 'videos'), '--out', os.path.join(tmp, 'o.pkl'),
                            '--report', report], capsys)
    return err, r'^error: .*report\.json exists; pass --overwrite to replace it\n$'


@case('existing demo video')
def _(tmp, capsys):
    video = os.path.join(tmp, 'out.mp4')
    open(video, 'w').write('mine')
    err = _cli('demo', [os.path.join(REPO, 'tests', 'data', 'videos', 'basketball_426x240.mp4'),
                        os.path.join(REPO, 'configs', 'demo', 'joint.py'), os.path.join(tmp, 'x.pth'),
                        '--out-video', video], capsys)
    return err, r'^error: .*out\.mp4 exists; pass --overwrite to replace it\n$'


@case('existing benchmark json')
def _(tmp, capsys):
    out = os.path.join(tmp, 'bench.json')
    open(out, 'w').write('mine')
    err = _cli('benchmark', ['--json', out], capsys)
    return err, r'^error: .*bench\.json exists; pass --overwrite to replace it\n$'


@case('unknown clip for draw_layout')
def _(tmp, capsys):
    err = _cli('draw_layout', ['--ann', SAMPLE, '--clip', 'ghost', '--out', os.path.join(tmp, 'l.png')], capsys)
    return err, r"^error: .*rtg_miga22\.pkl: no clip 'ghost' \(frame_dir\); the file has e\.g\. \['P1_L_01', .*\]\n$"


@case('unexpected error deep inside mmengine')
def _(tmp, capsys):
    err = _cli('test', [os.path.join(REPO, 'configs', 'demo', 'joint.py'), _checkpoint(tmp), '--work-dir',
                        os.path.join(tmp, 'w'), '--cfg-options', 'test_dataloader.dataset.type=NoSuchDataset',
                        'log_level=WARNING'], capsys)
    return err, r"^error: KeyError: 'NoSuchDataset is not in the mmaction::dataset registry\. .*' " \
                r"\(run with --debug for the traceback\)\n$"

# ---- sec-load: checkpoints (one loader for test, demo, resume, load_from) and hostile annotation pickles ----
class _RunsCode:
    def __reduce__(self):
        return (os.system, ('true',))


class _CraftedDtype:  # a record whose only field is an object at offset 0, flagged as holding no objects
    def __reduce__(self):
        return np.dtype, ('V8', False, True), (3, '|', None, ('a',), {'a': (np.dtype('O'), 0)}, 8, 1, 0)


class _CraftedArray:
    def __reduce__(self):
        return np.core.multiarray._reconstruct, (np.ndarray, (0,), b'b'), (1, (1,), _CraftedDtype(), False, b'A' * 8)


def _evil_checkpoint(tmp, name='evil.pth'):
    path = os.path.join(tmp, name)
    torch.save({'state_dict': {}, 'meta': {'x': _RunsCode()}}, path)
    return path


def _demo_config():
    return os.path.join(REPO, 'configs', 'demo', 'joint.py')


@case('truncated checkpoint')
def _(tmp, capsys):
    path = _checkpoint(tmp)
    data = open(path, 'rb').read()
    open(path, 'wb').write(data[:len(data) // 2])
    err = _cli('test', [_demo_config(), path], capsys)
    return err, (r'error: checkpoint .*model\.pth is not a readable checkpoint \(truncated or corrupt\?\): '
                 r'RuntimeError: PytorchStreamReader failed reading zip archive: failed finding central directory\n$')


@case('checkpoint that fits nothing')
def _(tmp, capsys):
    path = os.path.join(tmp, 'model.pth')
    torch.save({'state_dict': {'fc.weight': torch.zeros(3, 8)}}, path)
    err = _cli('test', [_demo_config(), path], capsys)
    return err, (r"error: checkpoint .*model\.pth does not fit the model of .*joint\.py: 136 of 136 model tensors "
                 r"missing \(e\.g\. 'backbone\.conv1\.conv\.weight', 'backbone\.conv1\.bn\.weight', "
                 r"'backbone\.conv1\.bn\.bias'\); 1 unexpected\. Wrong checkpoint for this config\?")


@case('checkpoint with a crafted numpy dtype')
def _(tmp, capsys):
    err = _cli('test', [_demo_config(), _checkpoint(tmp, extra={'x': _CraftedArray()})], capsys)
    return err, (r'error: checkpoint .*model\.pth could not be loaded with weights_only=True: it references '
                 r'numpy\.core\.multiarray\._reconstruct, which is not plain data')


@case('resume from a checkpoint that would run code')
def _(tmp, capsys):
    err = _cli('train', [_demo_config(), '--work-dir', os.path.join(tmp, 'w'), '--resume', _evil_checkpoint(tmp)],
               capsys)
    return err, (r'error: checkpoint .*evil\.pth could not be loaded with weights_only=True: it references '
                 r'(posix|os)\.system, which is not plain data\. If it comes from a source you trust, pass '
                 r'--trust-checkpoint\.\n$')


@case('load_from a checkpoint that would run code')
def _(tmp, capsys):
    err = _cli('train', [_demo_config(), '--work-dir', os.path.join(tmp, 'w'), '--cfg-options',
                         f'load_from={_evil_checkpoint(tmp)}'], capsys)
    return err, r'error: checkpoint .*evil\.pth could not be loaded with weights_only=True: it references (posix|os)'


@case('demo checkpoint that would run code')
def _(tmp, capsys):
    video = os.path.join(REPO, 'tests', 'data', 'videos', 'basketball_426x240.mp4')
    err = _cli('demo', [video, _demo_config(), _evil_checkpoint(tmp)], capsys)
    return err, r'error: checkpoint .*evil\.pth could not be loaded with weights_only=True: it references (posix|os)'


@case('annotation pickle with a crafted numpy dtype')
def _(tmp, capsys):
    with pytest.raises(ValueError) as e:
        _dataset(_ann_file(tmp, [_clip(keypoint=_CraftedArray())]))
    return str(e.value), (r"ann\.pkl: refused: numpy dtype of kind 'V': annotation arrays may only hold plain "
                          r'numbers, bools and fixed-width strings \(a crafted dtype can corrupt memory\)')


@case('annotation pickle memory bomb')
def _(tmp, capsys):
    path = os.path.join(tmp, 'ann.pkl')
    open(path, 'wb').write(b'\x80\x02cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\n\x8a\x05'
                           + (10 ** 10).to_bytes(5, 'little') + b'\x85C\x01b\x87R.')  # an empty 10 GB array
    with pytest.raises(ValueError) as e:
        _dataset(path)
    return str(e.value), (r'ann\.pkl: refused: declares 10,000,000,000 elements in a file of 67 bytes \(at most '
                          r'65,670 allowed: a memory bomb\?\)')


@case('annotation pickle with an unknown codec')
def _(tmp, capsys):
    path = os.path.join(tmp, 'ann.pkl')
    open(path, 'wb').write(b'\x80\x02c_codecs\nencode\nX\x01\x00\x00\x00xX\x03\x00\x00\x00zzz\x86R.')
    with pytest.raises(ValueError) as e:
        _dataset(path)
    return str(e.value), r'ann\.pkl: refused: _codecs\.encode called with anything but \(str, "latin1"\)'

# ---- sec-data
def _deep_pickle(tmp, obj, marker, depth=100_000):
    """``obj`` pickled with the string ``marker`` replaced by a list nested ``depth`` deep (written as opcodes:
    pickle.dump itself would overflow the stack)."""
    data = pickle.dumps(obj, protocol=2)
    short = b'X' + len(marker).to_bytes(4, 'little') + marker.encode()
    path = os.path.join(tmp, 'ann.pkl')
    open(path, 'wb').write(data.replace(short, b']' * depth + b'a' * (depth - 1)))
    return path


def _dataset_error(path, **kw):
    with pytest.raises(ValueError) as e:
        _dataset(path, **kw)
    return str(e.value)


@case('label nested 100000 lists deep')
def _(tmp, capsys):
    path = _deep_pickle(tmp, dict(split={'train': ['a']}, annotations=[_clip(label='DEEP')]), 'DEEP')
    return _dataset_error(path), r"sample 'a', field 'label': not an integer: \[\[\[\[\.\.\.\]\]\]\]"


@case('frame_dir not a string')
def _(tmp, capsys):
    msg = _dataset_error(_ann_file(tmp, [_clip(7), _clip('b')], split={'train': ['b']}), split=None)
    return msg, r"sample '#0', field 'frame_dir': must be a string, got int 7"


@case('split that is a string')
def _(tmp, capsys):
    msg = _dataset_error(_ann_file(tmp, [_clip('abc')], split={'train': 'abc'}))
    return msg, r"field 'split\['train'\]': must be a list of frame_dir ids, got str 'abc'"


@case('split that is an int')
def _(tmp, capsys):
    msg = _dataset_error(_ann_file(tmp, [_clip('a')], split={'train': 5}))
    return msg, r"field 'split\['train'\]': must be a list of frame_dir ids, got int 5"


@case('split keys of mixed types')
def _(tmp, capsys):
    msg = _dataset_error(_ann_file(tmp, [_clip('a')], split={'train': ['a'], 0: ['a']}), split='val')
    return msg, r"field 'split': no split 'val'; the file has \['0', 'train'\]"


@case('label_names not a list')
def _(tmp, capsys):
    msg = _dataset_error(_ann_file(tmp, obj=dict(split={'train': ['a']}, annotations=[_clip('a')], label_names=3)))
    return msg, r"field 'label_names': must be a list of class names \(strings\), got 3"


@case("total_frames '10'")
def _(tmp, capsys):
    msg = _dataset_error(_ann_file(tmp, [_clip(total_frames='10')]))
    return msg, r"sample 'a', field 'total_frames': not an integer: '10'"


@case('total_frames 10.9')
def _(tmp, capsys):
    msg = _dataset_error(_ann_file(tmp, [_clip(total_frames=10.9)]))
    return msg, r"sample 'a', field 'total_frames': not an integer: 10\.9"


@case('keypoints as text')
def _(tmp, capsys):
    msg = _dataset_error(_ann_file(tmp, [_clip(keypoint=np.full((1, 10, 22, 2), '1.5'))]))
    return msg, r"sample 'a', field 'keypoint': dtype <U3 \(text\): must hold real numbers"


@case('complex keypoints')
def _(tmp, capsys):
    msg = _dataset_error(_ann_file(tmp, [_clip(keypoint=np.full((1, 10, 22, 2), 1 + 2j))]))
    # the safe loader refuses the dtype before validation sees it (validation refuses it too, for --unsafe-pickle)
    return msg, r"ann\.pkl: refused: numpy dtype of kind 'c': annotation arrays may only hold plain numbers"


def _bad_dump(tmp, capsys, **fields):
    arrays = dict(ids=np.array(['x1', 'x2', 'x3']), scores=np.full((3, 3), 1 / 3, np.float32),
                  labels=np.array([0, 1, 2]))
    arrays.update(fields)
    good = _dumps(tmp, ['x1', 'x2', 'x3'], ['x1', 'x2', 'x3'])[0]
    np.savez(os.path.join(tmp, 'bad.npz'), **arrays)
    return _cli('test', ['--ensemble', good, os.path.join(tmp, 'bad.npz'), '--work-dir', os.path.join(tmp, 'w')],
                capsys)


@case('score dump labels shorter than ids')
def _(tmp, capsys):
    err = _bad_dump(tmp, capsys, labels=np.array([0, 1]))
    return err, r'error: .*bad\.npz: not a valid score dump: field labels has shape \(2,\), expected \[3\] \(one per id'


@case('score dump labels 2-D')
def _(tmp, capsys):
    err = _bad_dump(tmp, capsys, labels=np.zeros((3, 2), np.int64))
    return err, r'error: .*bad\.npz: not a valid score dump: field labels has shape \(3, 2\), expected \[3\]'


@case('score dump scores not 2-D')
def _(tmp, capsys):
    err = _bad_dump(tmp, capsys, scores=np.full((3, 3, 1), 0.5))
    return err, r'error: .*bad\.npz: not a valid score dump: field scores has shape \(3, 3, 1\), expected \[3, C\]'


@case('score dump with NaN scores')
def _(tmp, capsys):
    err = _bad_dump(tmp, capsys, scores=np.array([[0.5, 0.5, 0], [np.nan, 0.5, 0.5], [1, 0, 0]]))
    return err, (r"error: .*bad\.npz: not a valid score dump: field scores holds non-finite values \(NaN/inf\) in 1 "
                 r"sample\(s\), e\.g\. 'x2'")


@case('score dump with repeated ids')
def _(tmp, capsys):
    err = _bad_dump(tmp, capsys, ids=np.array(['x1', 'x2', 'x2']))
    return err, r"error: .*bad\.npz: not a valid score dump: field ids: 1 id\(s\) occur more than once, e\.g\. 'x2'"


def _openpose_folder(tmp, frames):
    os.makedirs(os.path.join(tmp, 'json'))
    for t, text in frames.items():
        open(os.path.join(tmp, 'json', f'a_{t:012d}_keypoints.json'), 'w').write(text)


@case('OpenPose JSON frame numbers 0 and 200000000')
def _(tmp, capsys):
    _openpose_folder(tmp, {0: '{"people": []}', 200_000_000: '{"people": []}'})
    out = _extract(tmp, 'json', capsys, '--img-shape', '1080', '1920')
    return out, (r'skipped json: .*json: frame numbers 0\.\.200000000 span 200000001 frames but there are only 2 '
                 r'\*_keypoints\.json files \(at most 1020 frames allowed\); the largest gap \(199999999 missing '
                 r'frames\) is between a_000000000000_keypoints\.json and a_000200000000_keypoints\.json')


@case('OpenPose JSON person that is not an object')
def _(tmp, capsys):
    _openpose_folder(tmp, {0: '{"people": [5]}'})
    out = _extract(tmp, 'json', capsys, '--img-shape', '1080', '1920')
    return out, (r'skipped json: .*a_000000000000_keypoints\.json: person 0: expected an object with '
                 r'pose_keypoints_2d, got int')


@case('symlink loop in an input folder')
def _(tmp, capsys):
    os.makedirs(os.path.join(tmp, 'in'))
    os.symlink('loop', os.path.join(tmp, 'in', 'loop'))
    out = _extract(tmp, 'in', capsys)
    return out, (r'skipped 1 x unreadable \(InputReadError\) \(e\.g\. loop\)(.|\n)*'
                 r'skipped loop: .*in/loop: symbolic link loop')


@case('xlsx with a damaged worksheet')
def _(tmp, capsys):
    import zipfile

    import openpyxl
    os.makedirs(os.path.join(tmp, 'xlsx'))
    good, bad = os.path.join(tmp, 'good.xlsx'), os.path.join(tmp, 'xlsx', 'v1_openpose.xlsx')
    wb = openpyxl.Workbook()
    wb.active.append([1.0] * 411)
    wb.save(good)
    with zipfile.ZipFile(good) as zin, zipfile.ZipFile(bad, 'w') as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            zout.writestr(info, data[:len(data) // 2] if info.filename == 'xl/worksheets/sheet1.xml' else data)
    out = _extract(tmp, 'xlsx', capsys)
    return out, r'skipped v1: .*v1_openpose\.xlsx: not a readable xlsx file: ParseError: '


def _convert_miga_one_video(tmp, capsys, split, label_csv=None, loop_video=False):
    """A raw folder with one good 1-frame skeleton csv v1 (labels from ``label_csv``), optionally next to a
    skeleton csv v0 that is a link to itself; returns what convert_miga.py prints."""
    raw = os.path.join(tmp, 'raw')
    os.makedirs(raw)
    if loop_video:
        os.symlink('v0_light_hand.csv', os.path.join(raw, 'v0_light_hand.csv'))
    open(os.path.join(raw, 'v1_light_hand.csv'), 'w').write(','.join(['0'] + ['1'] * 105) + '\n')
    if label_csv is not None:
        open(os.path.join(raw, 'v1_label.csv'), 'w').write(label_csv)
    assert _load_tool('convert_miga').main(['--split', f'{split}={raw}', '--out', os.path.join(tmp, 'o.pkl')]) == 0
    return capsys.readouterr().out


@case('MiGA skeleton csv that is a symlink loop')
def _(tmp, capsys):
    out = _convert_miga_one_video(tmp, capsys, 'test', loop_video=True)
    return out, (r'test: wrote 1 clips, 1 frames; skipped 1 x unreadable skeleton csv \(OSError: \[Errno 40\] Too '
                 r"many levels of symbolic links: '.*v0_light_hand\.csv'\)")


@case('MiGA label csv with an infinite number')
def _(tmp, capsys):
    out = _convert_miga_one_video(tmp, capsys, 'train', label_csv='1e400,0,0\n')
    return out, (r'skipped 1 x unreadable label csv \(.*v1_label\.csv: line 1: expected three integers '
                 r'"label,start,end", got \[\'1e400\', \'0\', \'0\'\]\)')


@case('convert_pose annotation that is not a dict')
def _(tmp, capsys):
    src = pickle.load(open(os.path.join(REPO, 'tests', 'data', 'rtg_original_subset.pkl'), 'rb'))
    src['annotations'].insert(1, 5)
    open(os.path.join(tmp, 'in.pkl'), 'wb').write(pickle.dumps(src))
    assert _load_tool('convert_pose').main([os.path.join(tmp, 'in.pkl'), '--source', 'reach_to_grasp50', '--out',
                                            os.path.join(tmp, 'o.pkl')]) == 0
    out = capsys.readouterr().out
    return out, r'in\.pkl: wrote 12 clips, \d+ frames; skipped 1 x annotation #1 is not a dict but int \(e\.g\. #1\)'


@case('pair_rgb annotation with text frame_inds')
def _(tmp, capsys):
    from tests.datasets.rgb_fixtures import write_coded_video
    os.makedirs(os.path.join(tmp, 'rgb'))
    for name in ('good', 'long'):
        write_coded_video(os.path.join(tmp, 'rgb', f'{name}.mp4'), 6)
    annos = [_clip('texty', T=3, video='long', frame_inds=np.array(['a', 'b', 'c'])), _clip('good', T=6)]
    ann = _ann_file(tmp, annos)
    assert _load_tool('pair_rgb').main([ann, os.path.join(tmp, 'rgb'), '--out', os.path.join(tmp, 'o.pkl')]) == 0
    out = capsys.readouterr().out
    return out, (r"paired 1 clips(.|\n)*unreadable RGB source:\n    texty: annotation: ValueError: invalid literal for "
                 r"int\(\) with base 10: 'a'")


# ---- interop (mmaction2 / PYSKL score pickles in tools/test.py --ensemble) ----
def _score_pickle(tmp, items):
    path = os.path.join(tmp, 'scores.pkl')
    with open(path, 'wb') as f:
        pickle.dump(items, f)
    return path


@case('score pickle without sample ids')
def _(tmp, capsys):
    path = _score_pickle(tmp, [dict(pred_score=torch.tensor([0.2, 0.8]), gt_label=torch.tensor([1]))])
    err = _cli('test', ['--ensemble', path, '--work-dir', os.path.join(tmp, 'w')], capsys)
    return err, r'^error: .*scores\.pkl: the pickle holds no sample ids \(frame_dir\); give --ann-file and --split ' \
                r'of the annotation file it was tested on, so the samples can be matched by id\n$'


@case('score pickle of another split')
def _(tmp, capsys):
    ann = _ann_file(tmp, [_clip(i) for i in ('v1', 'v2', 'v3')], split={'test': ['v1', 'v2', 'v3']})
    path = _score_pickle(tmp, [np.array([0.5, 0.5], np.float32)] * 2)  # PYSKL: score arrays only
    err = _cli('test', ['--ensemble', path, '--ann-file', ann, '--work-dir', os.path.join(tmp, 'w')], capsys)
    return err, r"^error: .*scores\.pkl: 2 samples, but .*ann\.pkl split 'test' has 3: was the pickle tested on " \
                r'another split or annotation file\?\n$'


@case('score pickle that would run code')
def _(tmp, capsys):
    class Payload:
        def __reduce__(self):
            return (os.system, ('true',))
    path = _score_pickle(tmp, [dict(pred_score=Payload())])
    err = _cli('test', ['--ensemble', path, '--work-dir', os.path.join(tmp, 'w')], capsys)
    return err, r'^error: .*scores\.pkl: refusing to load (posix|os)\.system from this pickle: .* \(a score pickle ' \
                r'may hold lists, dicts, numbers, strings, numpy arrays and plain torch tensors\)\n$'


@case('training curves of an empty work dir')
def _(tmp, capsys):
    import importlib.util
    spec = importlib.util.spec_from_file_location('plot_curves', os.path.join(REPO, 'tools', 'analysis',
                                                                              'plot_curves.py'))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    code = mod.main([tmp])
    err = capsys.readouterr().err
    assert code == 2, err
    return err, r'^error: .*: no run in it has logged vis_data/scalars\.json \(give a work dir, a run folder ' \
                r'WORK_DIR/<timestamp>, or the scalars\.json file\)\n$'



# ---- annotations (SMG / MiGA 2025 importers, class-name files, validation splits) ----
@case('SMG skeleton csv with a wrong value count')
def _(tmp, capsys):
    from tests.converters.smg_fixture import write_sample
    write_sample(os.path.join(tmp, 'smg'), 1, frames=5, labels=[(3, 1, 5)])
    bad = write_sample(os.path.join(tmp, 'smg'), 2, frames=5)
    open(os.path.join(bad, 'Sample0002_skeleton.csv'), 'w').write('0.1,0.2,2.5\n')
    assert _load_tool('convert_smg').main([os.path.join(tmp, 'smg'), '--out', os.path.join(tmp, 'o.pkl')]) == 0
    return capsys.readouterr().out, (r'wrote 1 clips, 5 frames; skipped 1 x unreadable skeleton csv \(.*Sample0002_'
                                     r'skeleton\.csv: line 1 has 3 values; expected 275 \(25 Kinect joints x 11')


@case('MiGA 2025 xlsx with a header row')
def _(tmp, capsys):
    import openpyxl
    os.makedirs(os.path.join(tmp, 'train', '0001'))
    wb = openpyxl.Workbook()
    wb.active.append(['x0', 'y0', 'c0'])
    wb.save(os.path.join(tmp, 'train', '0001', '0001_openpose.xlsx'))
    open(os.path.join(tmp, 'train', '0001', '0001_label.csv'), 'w').write('1,0,0\n')
    assert _load_tool('convert_miga').main(['--format', 'miga2025', '--split', f'train={tmp}/train', '--out',
                                            os.path.join(tmp, 'o.pkl')]) == 0
    return capsys.readouterr().out, (r"skipped 1 x unreadable xlsx \(.*0001_openpose\.xlsx: row 1, column 1: 'x0' is "
                                     r'not a number \(the MiGA 2025 xlsx has no header row\)\)')


@case('SMG label frame 0')
def _(tmp, capsys):
    from tests.converters.smg_fixture import write_sample
    write_sample(os.path.join(tmp, 'smg'), 1, frames=5, labels=[(1, 0, 3)])
    assert _load_tool('convert_smg').main([os.path.join(tmp, 'smg'), '--out', os.path.join(tmp, 'o.pkl')]) == 0
    return capsys.readouterr().out, (r'skipped 1 x unreadable finelabels csv \(.*Sample0001_finelabels\.csv: line 1: '
                                     r'start frame 0 is before the first frame \(smg frames are 1-based\)\)')


@case('class names whose ids are not a permutation')
def _(tmp, capsys):
    names = os.path.join(tmp, 'names.txt')
    open(names, 'w').write(''.join(f'{i} class {i}\n' for i in [0] + list(range(2, 18))))
    err = _cli('convert_smg', [tmp, '--label-names', names, '--out', os.path.join(tmp, 'o.pkl')], capsys)
    return err, r'^error: .*names\.txt: ids must be 0\.\.16 or 1\.\.17, each once \(a permutation\); ids run 0\.\.17\n$'


@case('validation video not in the training split')
def _(tmp, capsys):
    ann = _ann_file(tmp, [_clip('0001_0'), _clip('0001_1'), _clip('0002_0')])
    err = _cli('split_val', [ann, '--videos', '0003', '--out', os.path.join(tmp, 'o.pkl')], capsys)
    return err, (r"^error: .*ann\.pkl: video\(s\) \['0003'\] not in split 'train'; it has 2, e\.g\. "
                 r"\['0001', '0002'\]\n$")


# ---- baselines branch: image folders, ST-GCN / JS options, the comparison tool ----
@case('image folder without class folders')
def _(tmp, capsys):
    os.makedirs(os.path.join(tmp, 'frames'))
    err = _cli('train', [os.path.join(REPO, 'configs', 'demo', 'image_alexnet.py'), '--work-dir',
                         os.path.join(tmp, 'w'), '--cfg-options', f'train_dataloader.dataset.data_root={tmp}/frames',
                         'train_dataloader.num_workers=0', 'train_dataloader.persistent_workers=False'], capsys)
    return err, r'^error: .*image folder .*frames: no class sub-folders \(expected .*frames/<class>/<image>\)'


@case('unreadable image in an image folder')
def _(tmp, capsys):
    from mg_posec3d.datasets.transforms import LoadImageFile
    from mg_posec3d.fileio.video import VideoReadError

    path = os.path.join(tmp, 'broken.jpg')
    open(path, 'w').write('not an image')
    with pytest.raises(VideoReadError) as e:
        LoadImageFile()(dict(img_path=path, frame_dir='3/broken.jpg'))
    return str(e.value), r"sample '3/broken.jpg': image .*broken\.jpg is missing or not a readable image"


@case('JS class texts for another class count')
def _(tmp, capsys):
    from mg_posec3d.models.losses import JSContrastiveLoss

    with pytest.raises(ValueError) as e:
        JSContrastiveLoss(in_channels=8, class_embeddings=SAMPLE_EMB, num_classes=32)
    return str(e.value), r'rtg_glove50\.npy: has 3 rows but the model has 32 classes'


@case('unknown comparison method')
def _(tmp, capsys):
    err = _cli('compare_methods', ['--methods', 'stgcn_jont', '--out', os.path.join(tmp, 'r')], capsys)
    return err, r"^error: unknown method\(s\) \['stgcn_jont'\]; choose from \['posec3d_joint_ce'"


@case('clips without a subject for cross-subject folds')
def _(tmp, capsys):
    path = _ann_file(tmp, [_clip('a', subject=1), _clip('b')])
    err = _cli('compare_methods', ['--ann-file', path, '--out', os.path.join(tmp, 'r')], capsys)
    return err, r"^error: .*ann\.pkl: sample 'b': field subject missing"


@case('existing comparison report')
def _(tmp, capsys):
    os.makedirs(os.path.join(tmp, 'r'))
    open(os.path.join(tmp, 'r', 'comparison.md'), 'w').write('mine')
    err = _cli('compare_methods', ['--out', os.path.join(tmp, 'r')], capsys)
    assert open(os.path.join(tmp, 'r', 'comparison.md')).read() == 'mine'
    return err, r'^error: refusing to overwrite .*comparison\.md \(pass --overwrite\)'

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


@case('negative --across-cuts')
def _(tmp, capsys):
    path = _sequences(tmp, {'a': [(0, 2, 6)]})
    err = _cli('make_windows', [path, '--split', 'train', '--across-cuts', '-1', '--out', os.path.join(tmp, 'w.pkl')],
               capsys)
    assert not os.path.exists(os.path.join(tmp, 'w.pkl'))
    return err, r'^error: --across-cuts must be >= 0, got -1\n$'


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


@case('spot.py with a zero count')
def _(tmp, capsys):
    err = _cli('spot', [_sequences(tmp, {'a': []}), 'joint.py', 'joint.pth', '--batch-size', '0', '--out',
                        os.path.join(tmp, 'out')], capsys)
    assert not os.path.exists(os.path.join(tmp, 'out'))
    return err, r'^error: --batch-size must be >= 1, got 0\n$'


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



# ---- pitfalls (branch pitfalls): config pitfall warnings logged when training / testing starts ----
def _pitfall_lines(tmp, capsys, cfg=None, stage='test', build=None):
    """The CONFIG PITFALL lines logged (mmengine WARNING) for ``cfg`` at ``stage`` start, or while ``build``s."""
    from mmengine.logging import MMLogger

    from mg_posec3d.config_checks import warn_config_pitfalls

    MMLogger.get_instance(f'pitfalls_{tmp}')  # a new logger (unique name) writing to this test's captured stdout
    capsys.readouterr()
    if build is not None:
        build()
    else:
        warn_config_pitfalls(cfg, stage)
    return '\n'.join(x for x in capsys.readouterr().out.splitlines() if 'CONFIG PITFALL' in x)


def _paper_config(name='joint.py'):
    from mmengine.config import Config
    return Config.fromfile(os.path.join(REPO, 'configs', name))


@case('flipped test views, training never flips (a warning)')
def _(tmp, capsys):
    cfg = _paper_config()
    cfg.train_dataloader.dataset.pipeline = [t for t in cfg.train_dataloader.dataset.pipeline if t.type != 'Flip']
    return _pitfall_lines(tmp, capsys, cfg), (
        r'WARNING - CONFIG PITFALL: test_dataloader\.dataset\.pipeline\.4 \(FastGeneratePoseTarget double=True\) '
        r'averages horizontally flipped views, but the training pipeline never flips: .* Turn it off with '
        r'--cfg-options test_dataloader\.dataset\.pipeline\.4\.double=False')


@case('Flip without the flip lists of the layout (a warning)')
def _(tmp, capsys):
    cfg = _paper_config()
    del cfg.train_dataloader.dataset.pipeline[6]['left_kp'], cfg.train_dataloader.dataset.pipeline[6]['right_kp']
    return _pitfall_lines(tmp, capsys, cfg, 'train'), (
        r'CONFIG PITFALL: train_dataloader\.dataset\.pipeline\.6 \(Flip\) flips without left_kp/right_kp: it '
        r'mirrors x but keeps every joint in its own channel, .* --cfg-options '
        r'train_dataloader\.dataset\.pipeline\.6\.left_kp=\[2,3,4,8,10,12,13,14,15,16\] ')


@case('clip_len longer than most clips (a warning)')
def _(tmp, capsys):
    path = _ann_file(tmp, [_clip('a', T=10), _clip('b', T=12), _clip('c', T=60)])
    lines = _pitfall_lines(tmp, capsys, build=lambda: _dataset(path, pipeline=[
        dict(type='UniformSampleFrames', clip_len=48)]))
    return lines, (r'CONFIG PITFALL: .*ann\.pkl split train: pipeline\.0\.clip_len=48 is longer than 67% of the '
                   r'clips \(median 12 frames\), so frames are repeated .* --cfg-options '
                   r'<train\|val\|test>_dataloader\.dataset\.pipeline\.0\.clip_len=12 ')


@case('label embeddings of another width than the head (a warning)')
def _(tmp, capsys):
    cfg = _paper_config()
    cfg.train_dataloader.dataset.label_embeddings = SAMPLE_EMB
    return _pitfall_lines(tmp, capsys, cfg, 'train'), (
        r'CONFIG PITFALL: train_dataloader\.dataset\.label_embeddings .*rtg_glove50\.npy holds 50-d vectors but '
        r'model\.cls_head\.embedding_dim=300: set --cfg-options model\.cls_head\.embedding_dim=50 ')

def _load_tool(name):
    import importlib.util
    spec = importlib.util.spec_from_file_location(name, tool_path(name))
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
