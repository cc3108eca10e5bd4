"""Overlay videos are written atomically (through mg_posec3d.fileio.atomic_path), like every other output."""
import cv2
import numpy as np
import pytest

from mg_posec3d.pose.visualize import VideoWriter

FRAME = np.zeros((32, 48, 3), np.uint8)   # GENERATED black frames


def test_overlay_video_replaces_the_target_only_when_complete(tmp_path):
    target = tmp_path / 'overlay.mp4'
    target.write_bytes(b'previous video')
    with pytest.raises(KeyboardInterrupt):
        with VideoWriter(str(target), 25, (48, 32)) as out:
            out.write(FRAME)
            raise KeyboardInterrupt   # Ctrl-C half-way
    assert target.read_bytes() == b'previous video'
    assert [p.name for p in tmp_path.iterdir()] == ['overlay.mp4']   # no temporary file left
    with VideoWriter(str(target), 25, (48, 32)) as out:
        for _ in range(3):
            out.write(FRAME)
    cap = cv2.VideoCapture(str(target))
    assert int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) == 3 and out.frames == 3
    assert [p.name for p in tmp_path.iterdir()] == ['overlay.mp4']
