"""Video / frame-folder reading (mg_posec3d.fileio.video): random access by every backend and sequential
reading, on coded videos whose frames show their own index (generated: tests/datasets/rgb_fixtures.py) and on
a real H.264 video against plain sequential OpenCV decoding."""
import numpy as np
import pytest

from mg_posec3d.fileio.video import (
    VideoReadError,
    available_backends,
    count_frames,
    iter_frames,
    probe,
    read_frames,
)
from tests.datasets.rgb_fixtures import (
    BASKETBALL,
    coded_frame,
    read_code,
    real_frames,
    write_coded_frames,
    write_coded_video,
)

BACKENDS = available_backends()


# ------------------------------------------------------------------------------------------ reading frames
@pytest.mark.parametrize('backend', BACKENDS + ['frames'])
def test_reads_exactly_the_requested_frames(tmp_path, backend):
    if backend == 'frames':
        path, backend = write_coded_frames(str(tmp_path / 'clip'), 40), 'auto'
    else:
        path = write_coded_video(str(tmp_path / 'clip.mp4'), 40)
    inds = [17, 3, 3, 0, 39, 20]
    frames = read_frames(path, inds, backend=backend, clip='c1')
    assert [read_code(f) for f in frames] == inds
    assert all(f.dtype == np.uint8 and f.shape == (48, 90, 3) for f in frames)
    assert count_frames(path, backend=backend) == 40


@pytest.mark.parametrize('backend', BACKENDS)
def test_random_access_equals_sequential_decoding_of_a_real_video(backend):
    inds = [299, 0, 150, 149, 57, 1]
    oracle = real_frames(BASKETBALL, 0, 300)  # BGR, every frame in order
    got = read_frames(BASKETBALL, inds, backend=backend)
    for i, img in zip(inds, got):
        assert np.abs(img.astype(np.float32) - oracle[i][..., ::-1]).mean() < 1.0, (backend, i)
    # and the neighbouring frame is clearly different: the check can tell frames apart
    assert np.abs(got[2].astype(np.float32) - oracle[140][..., ::-1]).mean() > 3.0


def test_backends_unknown_or_missing_source_errors(tmp_path):
    with pytest.raises(ValueError, match='unknown video backend'):
        read_frames(write_coded_video(str(tmp_path / 'a.mp4'), 5), [0], backend='ffmpeg')
    with pytest.raises(VideoReadError, match=r"clip 'c9': RGB source .*nope.mp4 does not exist"):
        read_frames(str(tmp_path / 'nope.mp4'), [0], clip='c9')


@pytest.mark.parametrize('kind', ['video', 'frames'])
def test_sequential_reading_gives_every_stride_th_frame(tmp_path, kind):
    if kind == 'frames':
        path = write_coded_frames(str(tmp_path / 'clip'), 23)
    else:
        path = write_coded_video(str(tmp_path / 'clip.mp4'), 23)
    got = list(iter_frames(path, stride=5))
    assert [i for i, _ in got] == [read_code(img) for _, img in got] == [0, 5, 10, 15, 20]
    assert [i for i, _ in iter_frames(path, stride=3, max_frames=4)] == [0, 3, 6, 9]
    assert list(iter_frames(path, max_frames=0)) == []
    # BGR, as OpenCV and the pose backends use it; the same pixels read_frames gives as RGB
    (_, bgr), = iter_frames(path, stride=7, max_frames=1)
    (rgb,) = read_frames(path, [0], backend='opencv' if kind == 'video' else 'auto')
    np.testing.assert_array_equal(bgr[..., ::-1], rgb)
    info = probe(path)
    assert info.img_shape == coded_frame(0).shape[:2] and info.num_frames == 23
    assert (info.fps is None) == (kind == 'frames')


def test_sequential_reading_errors_name_the_file(tmp_path):
    broken = tmp_path / 'broken.mp4'
    broken.write_bytes(b'\x00\x00\x00\x18ftypmp42' + bytes(2000))
    with pytest.raises(VideoReadError, match=r'broken.mp4: cannot open the video'):
        probe(str(broken))
    with pytest.raises(VideoReadError, match=r'broken.mp4: cannot open the video'):
        list(iter_frames(str(broken)))
    with pytest.raises(ValueError, match='stride must be >= 1'):
        list(iter_frames(str(broken), stride=0))
