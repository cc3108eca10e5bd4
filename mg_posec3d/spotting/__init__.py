"""Spotting micro-gestures in long sequences (MiGA track 2): the sequence format, training windows, sliding-window
inference, segment decoding and a non-learned baseline. The metric is ``mg_posec3d.evaluation.spotting_metric``.
"""
