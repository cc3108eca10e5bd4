"""Batch pose extraction with resume: inputs -> per-input cache parts -> one PYSKL annotation pickle.

Each input's keypoints (source layout, all sampled frames) are written atomically to
``<out>.parts/<name>.pkl`` as soon as it is done, together with the settings they depend on. A re-run
skips inputs whose part exists with the same settings, so an interrupted run resumes where it stopped.
Labels, the miga22 mapping and ``--keep-full`` are applied when the final pickle is assembled, so changing
them needs no re-extraction. Inputs that cannot be read, show no person, or fail in any other way (one
bad input never aborts the batch) are reported and skipped.
"""
from __future__ import annotations

import hashlib
import os
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ..annotations import ConversionReport, PoseRecord, find_label_csv, make_annotations, read_label_csv, to_target
from ..fileio import safe_load_pickle, save_pickle
from ..layouts import MIGA22
from ..layouts import get_source_layout as get_source
from .backends import PoseBackend
from .video import UNREADABLE, InputItem, InputReadError, iter_frames, link_problem, probe

CACHE_FORMAT = 1


class NoPersonError(RuntimeError):
    """No person was found in any sampled frame of an input."""


def safe_filename(name: str) -> str:
    """``name`` as a file name; a short hash keeps names that differ only in replaced characters apart."""
    safe = re.sub(r'[^A-Za-z0-9._-]+', '_', name) or '_'
    if safe != name:
        safe += '-' + hashlib.sha1(name.encode()).hexdigest()[:8]
    return safe


def progress(iterable, total: int | None = None, desc: str = '', leave: bool = True):
    """tqdm when installed, else mmengine's ProgressBar (needs a total), else the plain iterable."""
    try:
        from tqdm import tqdm
        return tqdm(iterable, total=total, desc=desc, leave=leave, unit='frame' if not leave else 'input',
                    dynamic_ncols=True, file=sys.stderr)
    except ImportError:
        pass
    if not total:
        return iterable
    from mmengine.utils import ProgressBar

    def gen():
        bar = ProgressBar(total)
        for x in iterable:
            yield x
            bar.update()
    return gen()


# ---------------------------------------------------------------------------------------------------
# one input -> PoseRecord
# ---------------------------------------------------------------------------------------------------
def extract_video(item: InputItem, backend: PoseBackend, stride: int = 1, max_frames: int | None = None,
                  show_progress: bool = True) -> PoseRecord:
    """Run ``backend`` on every ``stride``-th frame of a video or frame folder (main subject only)."""
    info = probe(item)
    backend.reset()
    src = backend.source
    kps, scs, inds, bad = [], [], [], []
    total = info.num_frames
    if total:
        total = (total + stride - 1) // stride
        total = min(total, max_frames) if max_frames else total
    frames = iter_frames(item, stride, max_frames, bad_frames=bad)
    if show_progress:
        frames = progress(frames, total=total, desc=item.name, leave=False)
    for idx, frame in frames:
        if frame.shape[:2] != tuple(info.img_shape):
            raise InputReadError(f'{item.path}: frame {idx} is {frame.shape[1]}x{frame.shape[0]}, the first '
                                 f'was {info.img_shape[1]}x{info.img_shape[0]}')
        found = backend(frame)
        inds.append(idx)
        if found is None:
            kps.append(np.zeros((src.num_joints, 2), np.float32))
            scs.append(np.zeros(src.num_joints, np.float32))
        else:
            kps.append(found.keypoint)
            scs.append(found.score)
    if not inds:
        raise InputReadError(f'{item.path}: no frame could be decoded')
    rec = PoseRecord(item.name, np.stack(kps), np.stack(scs), info.img_shape, src.name, np.array(inds),
                     fps=info.fps, path=item.path, video_frames=info.num_frames,
                     meta={'unreadable_frames': bad} if bad else {})
    return rec


def load_record(item: InputItem, img_shape: tuple[int, int] | None = None) -> PoseRecord:
    """Read an input that already holds keypoints (OpenPose JSON folder, MiGA 2025 xlsx)."""
    if item.kind == 'openpose_json':
        from ..converters.openpose_json import load_openpose_folder
        if img_shape is None:
            raise ValueError(f'{item.path}: OpenPose JSON stores no image size; pass --img-shape H W')
        return load_openpose_folder(item.path, img_shape, name=item.name)
    if item.kind == 'miga2025_xlsx':
        from ..converters.miga2025_xlsx import DEFAULT_IMG_SHAPE, load_miga2025_xlsx
        return load_miga2025_xlsx(item.path, img_shape or DEFAULT_IMG_SHAPE, name=item.name)
    raise ValueError(f'{item.path}: {item.kind} is not a keypoint file')


# ---------------------------------------------------------------------------------------------------
# the batch run
# ---------------------------------------------------------------------------------------------------
@dataclass
class ExtractOptions:
    stride: int = 1
    max_frames: int | None = None
    keep_full: bool = False
    label_csv: str | None = None      # a csv file (one input) or a folder of per-input csv files
    label_format: str = 'imigue'      # how its ids and frames count (annotations.LABEL_FORMATS)
    vis_dir: str | None = None
    img_shape: tuple[int, int] | None = None   # for OpenPose JSON / xlsx inputs
    overwrite: bool = False
    split: str = 'all'
    show_progress: bool = True


@dataclass
class ExtractReport(ConversionReport):
    extracted: int = 0
    cached: int = 0
    stale: int = 0
    seconds: float = 0.0
    extract_seconds: float = 0.0      # time inside the pose backend loop (no model loading)
    extracted_frames: int = 0
    vis: list = field(default_factory=list)
    written: str | None = None        # the output path, or None when nothing was left to write

    def summary(self) -> str:
        fps = self.extracted_frames / self.extract_seconds if self.extract_seconds > 0 else 0
        head = (f'inputs: {self.extracted} extracted ({self.extracted_frames} frames, {fps:.1f} fps), '
                f'{self.cached} from the cache')
        if self.stale:
            head += f' ({self.stale} cache parts redone: settings changed)'
        return head + '; annotations: ' + super().summary().replace('wrote ', '')


def cache_dir_for(out: str) -> str:
    return os.path.abspath(out) + '.parts'


def _item_settings(item: InputItem, backend_settings: dict | None, opts: ExtractOptions) -> dict:
    st = os.stat(item.path)
    s = dict(format=CACHE_FORMAT, path=os.path.abspath(item.path), kind=item.kind,
             mtime=int(st.st_mtime), stride=opts.stride, max_frames=opts.max_frames)
    if item.kind in ('video', 'frames'):
        s['backend'] = backend_settings
    else:
        s['img_shape'] = tuple(opts.img_shape) if opts.img_shape else None
    return s


def _labels_for(item: InputItem, opts: ExtractOptions, n_items: int) -> list | None:
    if opts.label_csv is None:
        return None
    if os.path.isfile(opts.label_csv):
        if n_items != 1:
            raise ValueError(f'--label-csv {opts.label_csv} is one file but there are {n_items} inputs; give a '
                             'folder of <name>_label.csv / <name>.csv files')
        return read_label_csv(opts.label_csv, opts.label_format)
    path = find_label_csv(opts.label_csv, item.name)
    if path is None:
        raise FileNotFoundError(f'no label csv for {item.name} in {opts.label_csv} (looked for '
                                f'{item.name}_label.csv, {item.name}.csv and {item.name}/...)')
    return read_label_csv(path, opts.label_format)


def render_overlay(item: InputItem, record: PoseRecord, path: str, lines: list[str] | None = None) -> int:
    """Write the sampled frames of a video/frame folder with the miga22 skeleton (and ``lines`` of text)
    drawn on them; returns the number of frames written."""
    from .visualize import VideoWriter, draw_skeleton, put_lines

    kp, sc = to_target(record)
    pos = {int(f): t for t, f in enumerate(record.frame_inds)}
    stride = int(np.diff(record.frame_inds).min()) if record.num_frames > 1 else 1
    fps = (record.fps or 25.0) / max(1, stride)
    h, w = record.img_shape
    with VideoWriter(path, fps, (w, h)) as out:
        last = int(record.frame_inds[-1])
        for idx, frame in iter_frames(item, stride=1, max_frames=last + 1):
            t = pos.get(idx)
            if t is None:
                continue
            img = draw_skeleton(frame, kp[t], sc[t])
            put_lines(img, [f'{record.name}  frame {idx}'] + list(lines or []))
            out.write(img)
        return out.frames


@dataclass
class BackendSpec:
    """Which pose backend to build (lazily: a fully cached re-run loads no model) and what its output
    depends on (for the cache): the backend name, its options, the model files' size and date."""

    name: str
    kwargs: dict = field(default_factory=dict)

    def settings(self) -> dict:
        from .backends import _file_id

        s = {'backend': self.name}
        for k, v in sorted(self.kwargs.items()):
            if k in ('config', 'checkpoint') and isinstance(v, str) and os.path.isfile(v):
                v = _file_id(v)
            elif not isinstance(v, (str, int, float, bool, type(None), dict, list, tuple)):
                v = repr(v)   # the cache holds plain data only
            s[k] = v
        if self.name in ('mediapipe',) or self.kwargs.get('box') == 'mediapipe':
            try:
                from importlib.metadata import version
                s['mediapipe_version'] = version('mediapipe')
            except Exception:
                s['mediapipe_version'] = '?'
        return s

    def build(self) -> PoseBackend:
        from .backends import build_backend
        return build_backend(self.name, **self.kwargs)


def run_extraction(items: list[InputItem], out: str, backend: BackendSpec | None,
                   opts: ExtractOptions | None = None, log: Callable[[str], None] = print) -> ExtractReport:
    """Extract (or load from the cache) every input, then write the annotation pickle ``out``.

    The backend is built once, only if some video or frame folder is not in the cache. Refuses to
    replace an existing ``out`` unless ``opts.overwrite``.
    """
    opts = opts or ExtractOptions()
    if os.path.exists(out) and not opts.overwrite:
        raise FileExistsError(f'{out} exists; pass --overwrite to replace it (finished inputs are reused from '
                              f'{cache_dir_for(out)})')
    if opts.stride < 1 or (opts.max_frames is not None and opts.max_frames < 1):
        raise ValueError('stride and max_frames must be >= 1')
    report = ExtractReport()
    cache = cache_dir_for(out)
    os.makedirs(cache, exist_ok=True)
    spec_settings = backend.settings() if backend is not None else None
    model: PoseBackend | None = None
    start = time.time()
    annotations: list[dict] = []
    source_names: set[str] = set()
    try:
        items_iter = progress(items, total=len(items), desc='inputs') if opts.show_progress else items
        for item in items_iter:
            # one bad input never aborts the batch: any error is reported with the input and counted
            try:
                anns, model = _process_item(item, items, backend, spec_settings, model, opts, cache, report,
                                            source_names, log)
            except _BackendBuildFailed as e:
                raise e.__cause__ from None   # not a problem of this input: stop, as before the loop
            except Exception as e:  # noqa: BLE001  (reported, the batch goes on)
                report.skip(item.name, f'failed ({type(e).__name__})')
                log(f'skipped {item.name}: {item.path}: {type(e).__name__}: {e}')
                continue
            annotations += anns
    finally:
        if model is not None:
            model.close()
    report.seconds = time.time() - start
    names = [a['frame_dir'] for a in annotations]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ValueError(f'several annotations got the same frame_dir: {dup[:5]}')
    if not annotations:
        log(f'nothing written to {out}: no annotation left (every input or clip was skipped)')
        return report
    data = dict(split={opts.split: names}, annotations=annotations, layout=MIGA22.name,
                joint_names=list(MIGA22.joints), source_layout=sorted(source_names))
    if opts.keep_full and len(source_names) == 1:
        data['full_joint_names'] = list(get_source(next(iter(source_names))).joints)
    save_pickle(data, out)
    report.written = out
    return report


class _BackendBuildFailed(Exception):
    """The pose model could not be built: every input would fail the same way, so the batch stops."""


def _process_item(item: InputItem, items: list[InputItem], backend: BackendSpec | None,
                  spec_settings: dict | None, model: PoseBackend | None, opts: ExtractOptions, cache: str,
                  report: ExtractReport, source_names: set[str], log: Callable[[str], None]
                  ) -> tuple[list[dict], PoseBackend | None]:
    """The annotations of one input (none when it is skipped) and the pose model, built on first need."""
    if item.kind == UNREADABLE:
        report.skip(item.name, 'unreadable (InputReadError)')
        log(f'skipped {item.name}: {item.path}: {link_problem(item.path) or "not a file or folder"}')
        return [], model
    try:
        labels = _labels_for(item, opts, len(items))
    except (OSError, ValueError) as e:
        report.skip(item.name, 'label csv missing or bad')
        log(f'skipped {item.name}: {e}')
        return [], model
    needs_backend = item.kind in ('video', 'frames')
    if needs_backend and backend is None:
        report.skip(item.name, 'no pose backend given')
        return [], model
    part = os.path.join(cache, safe_filename(item.name) + '.pkl')
    settings = _item_settings(item, spec_settings, opts)
    cached = _cached(part, settings)
    if cached is not None and cached.get('status') == 'stale':
        report.stale += 1
        cached = None
    if cached is None:
        if needs_backend and model is None:
            try:
                model = backend.build()
            except Exception as e:
                raise _BackendBuildFailed() from e
        cached = _extract_one(item, model, opts, settings, part, report, log)
    else:
        report.cached += 1
    if cached.get('status') != 'ok':
        report.skip(item.name, cached.get('reason', 'failed'))
        return [], model
    record = PoseRecord.from_dict(cached['record'])
    anns = make_annotations(record, labels, keep_full=opts.keep_full, skip=report.skip)
    source_names.add(record.source)
    report.clips += len(anns)
    report.frames += sum(a['total_frames'] for a in anns)
    if opts.vis_dir and needs_backend:
        vis_path = os.path.join(opts.vis_dir, safe_filename(item.name) + '.mp4')
        try:
            report.vis.append((vis_path, render_overlay(item, record, vis_path)))
        except (OSError, InputReadError) as e:
            log(f'no overlay for {item.name}: {e}')
    return anns, model


def _cached(part: str, settings: dict) -> dict | None:
    """The cache part if it exists and was made with ``settings``; ``{'status': 'stale'}`` if it was made
    differently or cannot be read; None if there is none."""
    if not os.path.isfile(part):
        return None
    try:
        d = safe_load_pickle(part)
    except Exception:
        return {'status': 'stale'}
    if not isinstance(d, dict) or d.get('format') != CACHE_FORMAT or d.get('settings') != settings:
        return {'status': 'stale'}
    return d


def _extract_one(item: InputItem, backend: PoseBackend | None, opts: ExtractOptions, settings: dict,
                 part: str, report: ExtractReport, log: Callable[[str], None]) -> dict:
    try:
        if item.kind in ('video', 'frames'):
            t0 = time.perf_counter()
            record = extract_video(item, backend, opts.stride, opts.max_frames, opts.show_progress)
            report.extract_seconds += time.perf_counter() - t0
            report.extracted_frames += record.num_frames
        else:
            record = load_record(item, opts.img_shape)
            if opts.stride > 1 or opts.max_frames:
                keep = np.arange(0, record.num_frames, opts.stride)[:opts.max_frames]
                record = PoseRecord(record.name, record.keypoint[keep], record.score[keep], record.img_shape,
                                    record.source, record.frame_inds[keep], record.fps, record.path,
                                    record.video_frames, record.meta)
        report.extracted += 1
        if record.frames_with_person == 0:
            raise NoPersonError(f'{item.path}: no person found in any of {record.num_frames} sampled frames')
        result = dict(format=CACHE_FORMAT, settings=settings, status='ok', record=record.to_dict())
        if record.meta.get('unreadable_frames'):
            log(f'{item.name}: {len(record.meta["unreadable_frames"])} unreadable frame images left empty')
    except (InputReadError, NoPersonError, OSError, ValueError) as e:
        log(f'skipped {item.name}: {e}')
        reason = 'no person' if isinstance(e, NoPersonError) else f'unreadable ({type(e).__name__})'
        result = dict(format=CACHE_FORMAT, settings=settings, status='skipped', reason=reason, error=str(e))
        if isinstance(e, NoPersonError):   # worth remembering; read errors are retried on the next run
            save_pickle(result, part)
        return result
    save_pickle(result, part)
    return result
