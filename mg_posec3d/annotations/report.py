"""What a converter wrote and what it skipped (and why): one summary line for the user."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class ConversionReport:
    """Counts of written clips/frames and of skipped items per reason (with one example item each)."""

    clips: int = 0
    frames: int = 0
    skipped: Counter = field(default_factory=Counter)
    examples: dict = field(default_factory=dict)

    def skip(self, item: str, reason: str) -> None:
        self.skipped[reason] += 1
        self.examples.setdefault(reason, item)

    def add(self, annotations: list[dict]) -> None:
        """Count written annotations (clips and their frames)."""
        self.clips += len(annotations)
        self.frames += sum(int(a['total_frames']) for a in annotations)

    def summary(self) -> str:
        text = f'wrote {self.clips} clips, {self.frames} frames'
        if self.skipped:
            parts = [f'{n} x {r} (e.g. {self.examples[r]})' for r, n in self.skipped.items()]
            text += '; skipped ' + '; '.join(parts)
        else:
            text += '; skipped nothing'
        return text
