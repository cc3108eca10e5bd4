"""``ImageFolderDataset``: single frames stored as one folder of images per class (``root/<class>/<image>``),
the data of the MiGA image-level systems (32 folders for iMiGUE)."""
from __future__ import annotations

import os
from collections.abc import Sequence

from mmaction.datasets import BaseActionDataset
from mmaction.registry import DATASETS

from ..annotations import read_class_names
from ..embeddings import load_label_embeddings
from ..fileio.video import IMAGE_EXTS, natural_key


@DATASETS.register_module()
class ImageFolderDataset(BaseActionDataset):
    """Every image under ``data_root/<class>/`` is a sample of that class (``frame_dir`` = ``<class>/<file>``).

    Args:
        data_root: The folder holding one sub-folder per class.
        pipeline: Data transforms (``LoadImageFile`` first).
        classes: Class folder names in label order: a list, or a text file (one per line, or ``<id> <name>``).
            Default: the sub-folders in natural order (``1``, ``2``, ..., ``32`` -> labels 0..31).
        label_embeddings: Optional ``.npy`` [C, D] (or shipped name): row ``label`` is attached to each sample
            as ``label_embedding`` (target of the semantic-embedding loss).
        extensions: Image file extensions (case-insensitive).
        **kwargs: Passed to :class:`mmaction.datasets.BaseActionDataset` (test_mode, num_classes, ...).
    """

    def __init__(self, data_root: str, pipeline: list, classes: str | Sequence[str] | None = None,
                 label_embeddings: str | None = None, extensions: Sequence[str] = IMAGE_EXTS, **kwargs) -> None:
        if not os.path.isdir(data_root):
            raise FileNotFoundError(f'image folder {data_root} does not exist (expected {data_root}/<class>/<image>, '
                                    'see docs/baselines.md)')
        self.class_folders = self._class_folders(data_root, classes)
        self.label_embeddings_file = label_embeddings
        self.extensions = tuple(e.lower() for e in extensions)
        kwargs.setdefault('num_classes', len(self.class_folders))
        super().__init__(ann_file='', pipeline=pipeline, data_root=data_root, **kwargs)
        self._metainfo['classes'] = tuple(self.class_folders)

    @staticmethod
    def _class_folders(root: str, classes) -> list[str]:
        if classes is None:
            names = sorted((d for d in os.listdir(root) if os.path.isdir(os.path.join(root, d))), key=natural_key)
            if not names:
                raise ValueError(f'image folder {root}: no class sub-folders (expected {root}/<class>/<image>)')
            return names
        names = read_class_names(classes) if isinstance(classes, str) else [str(c) for c in classes]
        missing = [n for n in names if not os.path.isdir(os.path.join(root, n))]
        if missing:
            raise ValueError(f'image folder {root}: class folder(s) {missing[:5]} missing '
                             f'({len(missing)} of {len(names)} classes)')
        return names

    def load_data_list(self) -> list[dict]:
        emb = (load_label_embeddings(self.label_embeddings_file, len(self.class_folders))
               if self.label_embeddings_file else None)
        data = []
        for label, name in enumerate(self.class_folders):
            folder = os.path.join(self.data_root, name)
            files = sorted((f for f in os.listdir(folder) if f.lower().endswith(self.extensions)), key=natural_key)
            for f in files:
                item = dict(img_path=os.path.join(folder, f), label=label, frame_dir=f'{name}/{f}')
                if emb is not None:
                    item['label_embedding'] = emb[label]
                data.append(item)
        if not data:
            raise ValueError(f'image folder {self.data_root}: no images with extensions {self.extensions} in its '
                             f'{len(self.class_folders)} class folders')
        return data
