"""Readers for public intent data sets used by ``evaluate_classifier`` (read at run time, never copied).

Each reader returns ``LabelledSet`` objects; out-of-scope rows carry the label ``OOS_LABEL`` and a ``group``
naming their kind (``oos``, ``id-oos``, ``ood-oos``).
"""

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from apps.core.errors import ValidationError

from .model import stratified_split
from .types import OOS_LABEL

FORMATS = ("banking77", "clinc150", "bitext", "banking77-oos")


@dataclass
class LabelledSet:
    texts: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)

    def add(self, texts: list[str], label: str | list[str], group: str = "in-scope") -> None:
        labels = [label] * len(texts) if isinstance(label, str) else list(label)
        if len(labels) != len(texts):
            raise ValidationError(f"{len(texts)} texts but {len(labels)} labels")
        self.texts.extend(texts)
        self.labels.extend(labels)
        self.groups.extend([group] * len(texts))

    @property
    def in_scope(self) -> tuple[list[str], list[str]]:
        pairs = [(t, y) for t, y in zip(self.texts, self.labels, strict=True) if y != OOS_LABEL]
        return [t for t, _ in pairs], [y for _, y in pairs]

    @property
    def oos_texts(self) -> list[str]:
        return [t for t, y in zip(self.texts, self.labels, strict=True) if y == OOS_LABEL]

    def subset(self, idx: np.ndarray) -> "LabelledSet":
        return LabelledSet([self.texts[i] for i in idx], [self.labels[i] for i in idx], [self.groups[i] for i in idx])


def load_train_test(
    fmt: str, train_path: Path, test_path: Path | None, *, test_fraction: float = 0.2, seed: int = 42
) -> tuple[LabelledSet, LabelledSet]:
    """Read the training and test sets for ``fmt`` (one of ``FORMATS``).

    banking77 / bitext: CSV files; without ``test_path`` a stratified ``test_fraction`` of the train file (seeded)
    is the test set. clinc150: the train file's ``train`` + ``oos_train`` train; the test is ``test`` + ``oos_test``
    of ``test_path``, or the train file's ``val`` + ``oos_val`` when ``test_path`` is omitted or the same file.
    banking77-oos: a BANKING77-OOS folder (``train/``, ``valid/``, ``id-oos/``, ``ood-oos/``, each with ``seq.in``
    and ``label``); ``train`` + ``id-oos/train`` train, the test is the ``test`` parts of ``test_path`` (or the
    ``valid`` parts when it is omitted or the same folder). Raises ``ValidationError`` for unreadable input.
    """
    if fmt not in FORMATS:
        raise ValidationError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    train_path = Path(train_path)
    if not train_path.exists():
        raise ValidationError(f"train path not found: {train_path}")
    if test_path is not None and not Path(test_path).exists():
        raise ValidationError(f"test path not found: {test_path}")
    same = test_path is None or Path(test_path).resolve() == train_path.resolve()
    if fmt in ("banking77", "bitext"):
        reader = _read_banking77 if fmt == "banking77" else _read_bitext
        full = reader(train_path)
        if not same:
            return full, reader(Path(test_path))
        keep, held = stratified_split(np.array(full.labels, dtype=object), test_fraction, seed=seed)
        return full.subset(keep), full.subset(held)
    if fmt == "clinc150":
        return _read_clinc(train_path, Path(test_path) if not same else None)
    return _read_oos_folder(train_path, Path(test_path) if not same else None)


def _read_csv(path: Path, text_col: str, label_col: str) -> LabelledSet:
    out = LabelledSet()
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            missing = {text_col, label_col} - set(reader.fieldnames or [])
            if missing:
                raise ValidationError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
            for n, row in enumerate(reader, start=2):
                text, label = (row.get(text_col) or "").strip(), (row.get(label_col) or "").strip()
                if not text or not label:
                    raise ValidationError(f"{path} row {n}: empty {text_col if not text else label_col}")
                out.add([text], label)
    except UnicodeDecodeError as exc:
        raise ValidationError(f"{path}: not UTF-8 ({exc.reason} at byte {exc.start})") from exc
    if not out.texts:
        raise ValidationError(f"{path}: no rows")
    return out


def _read_banking77(path: Path) -> LabelledSet:
    return _read_csv(path, "text", "category")


def _read_bitext(path: Path) -> LabelledSet:
    return _read_csv(path, "instruction", "intent")


def _read_clinc(train_path: Path, test_path: Path | None) -> tuple[LabelledSet, LabelledSet]:
    data = _read_json(train_path)
    train = LabelledSet()
    _add_clinc_rows(train, data, "train", train_path)
    train.add([r[0] for r in data.get("oos_train", [])], OOS_LABEL, "oos")
    if test_path is None:
        test_data, in_key, oos_key = data, "val", "oos_val"
    else:
        test_data, in_key, oos_key = _read_json(test_path), "test", "oos_test"
    if test_path is not None and in_key not in test_data:
        in_key, oos_key = "val", "oos_val"
    test = LabelledSet()
    _add_clinc_rows(test, test_data, in_key, test_path or train_path)
    test.add([r[0] for r in test_data.get(oos_key, [])], OOS_LABEL, "oos")
    return train, test


def _add_clinc_rows(target: LabelledSet, data: dict, key: str, path: Path) -> None:
    rows = data.get(key)
    if not rows:
        raise ValidationError(f"{path}: no {key!r} rows (clinc150 layout: train, val, oos_train, oos_val)")
    bad = [i for i, r in enumerate(rows) if not (isinstance(r, list) and len(r) == 2)]
    if bad:
        raise ValidationError(f"{path}: {key}[{bad[0]}] is not a [text, intent] pair")
    target.add([r[0] for r in rows], [r[1] for r in rows])


def _read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationError(f"{path}: not a JSON file ({exc})") from exc
    if not isinstance(data, dict):
        raise ValidationError(f"{path}: expected a JSON object with train/val keys")
    return data


def _read_oos_folder(train_dir: Path, test_dir: Path | None) -> tuple[LabelledSet, LabelledSet]:
    if not (train_dir / "train" / "seq.in").exists():
        raise ValidationError(f"{train_dir}: expected train/seq.in and train/label (BANKING77-OOS layout)")
    train = LabelledSet()
    texts, labels = _read_lines(train_dir / "train")
    train.add(texts, labels)
    if (train_dir / "id-oos" / "train" / "seq.in").exists():
        train.add(_read_lines(train_dir / "id-oos" / "train")[0], OOS_LABEL, "id-oos")
    source, part = (train_dir, "valid") if test_dir is None else (test_dir, "test")
    if not (source / part / "seq.in").exists():
        part = "valid"
    test = LabelledSet()
    texts, labels = _read_lines(source / part)
    test.add(texts, labels)
    for kind in ("id-oos", "ood-oos"):
        if (source / kind / part / "seq.in").exists():
            test.add(_read_lines(source / kind / part)[0], OOS_LABEL, kind)
    return train, test


def _read_lines(folder: Path) -> tuple[list[str], list[str]]:
    texts = (folder / "seq.in").read_text(encoding="utf-8").splitlines()
    labels = (folder / "label").read_text(encoding="utf-8").splitlines()
    if len(texts) != len(labels):
        raise ValidationError(f"{folder}: {len(texts)} lines in seq.in but {len(labels)} in label")
    return [t.strip() for t in texts], [y.strip() for y in labels]
