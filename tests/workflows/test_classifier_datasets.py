"""The classifier on small slices of public intent data (../shared/data): calibration and evaluate_classifier."""

import copy
import csv
import io
import json
from collections import defaultdict

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from apps.workflows.classifier import classifier_train
from apps.workflows.classifier.metrics import expected_calibration_error

pytestmark = pytest.mark.dataset

REPORT_KEYS = {
    "accuracy",
    "in_scope_accuracy",
    "macro_f1",
    "ece",
    "coverage_at_95",
    "coverage_at_99",
    "oos_recall",
    "train_s",
    "predict_s",
}


def banking77_slice(shared_data, *, categories: int = 15, per_category: int = 60) -> dict[str, list[str]]:
    """The first ``per_category`` texts of the first ``categories`` intents (file order) of BANKING77's train.csv."""
    by_label: dict[str, list[str]] = defaultdict(list)
    with (shared_data / "banking77" / "train.csv").open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            known = row["category"] in by_label or len(by_label) < categories
            if known and len(by_label[row["category"]]) < per_category:
                by_label[row["category"]].append(row["text"])
    return by_label


def run_json(*args) -> tuple[dict, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("evaluate_classifier", *args, "--json", stdout=out, stderr=err)
    return json.loads(out.getvalue()), err.getvalue()


def test_temperature_scaling_improves_calibration_on_a_banking77_slice(shared_data):
    data = banking77_slice(shared_data)
    train = [(t, y) for y, texts in data.items() for t in texts[:40]]
    test = [(t, y) for y, texts in data.items() for t in texts[40:]]
    model = classifier_train(texts=[t for t, _ in train], labels=[y for _, y in train])
    raw = copy.copy(model)
    raw.temperature = 1.0  # the SVM's margins through a plain softmax

    def ece(m):
        preds = m.predict([t for t, _ in test], runner_ups=0)
        conf = np.array([p.confidence for p in preds])
        correct = np.array([p.category == y for p, (_, y) in zip(preds, test, strict=True)])
        return expected_calibration_error(conf, correct), correct.mean()

    calibrated_ece, accuracy = ece(model)
    raw_ece, _ = ece(raw)
    assert accuracy >= 0.85
    assert calibrated_ece < raw_ece / 2
    assert calibrated_ece < 0.08


def test_evaluate_classifier_json_on_a_banking77_slice(shared_data, tmp_path):
    path = tmp_path / "b77.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "category"])
        for label, texts in banking77_slice(shared_data, categories=8, per_category=40).items():
            writer.writerows([t, label] for t in texts)
    report, progress = run_json("--format", "banking77", "--train", str(path), "--test-fraction", "0.25")
    assert report.keys() >= REPORT_KEYS
    assert report["n_test"] == 80 and report["n_train"] == 240
    assert report["accuracy"] >= 0.8
    for key in ("accuracy", "macro_f1", "ece", "coverage_at_95", "coverage_at_99"):
        assert 0.0 <= report[key] <= 1.0
    assert report["oos_recall"] is None and report["in_scope_accuracy"] is None
    assert report["train_s"] > 0 and report["predict_s"] > 0
    assert "training on 240 texts" in progress
    again, _ = run_json("--format", "banking77", "--train", str(path), "--test-fraction", "0.25")
    assert again["accuracy"] == report["accuracy"]  # the split and the model are deterministic


def test_evaluate_classifier_clinc_layout_reports_out_of_scope_recall(shared_data, tmp_path):
    full = json.loads((shared_data / "clinc150" / "data_full_train_val.json").read_text())
    intents = sorted({intent for _, intent in full["train"]})[:10]
    small = {
        "train": [r for r in full["train"] if r[1] in intents],
        "val": [r for r in full["val"] if r[1] in intents],
        "oos_train": full["oos_train"][:60],
        "oos_val": full["oos_val"][:40],
    }
    path = tmp_path / "clinc.json"
    path.write_text(json.dumps(small))
    report, _ = run_json("--format", "clinc150", "--train", str(path), "--test", str(path))
    assert report["n_test"] == len(small["val"]) + 40 and report["n_test_oos"] == 40
    assert report["n_train_oos"] == 60
    assert 0.0 <= report["oos_recall"] <= 1.0 and report["oos_recall"] >= 0.5
    assert report["in_scope_accuracy"] >= 0.8
    # A separate test file in CLINC's layout (test + oos_test) is read instead of val.
    test_path = tmp_path / "clinc_test.json"
    test_path.write_text(json.dumps({"test": small["val"][:50], "oos_test": small["oos_val"][:10]}))
    report, _ = run_json("--format", "clinc150", "--train", str(path), "--test", str(test_path))
    assert report["n_test"] == 60 and report["n_test_oos"] == 10


def test_evaluate_classifier_banking77_oos_layout_reports_recall_per_kind(shared_data, tmp_path):
    source = shared_data / "banking77_oos" / "BANKING77-OOS"
    keep = 300  # the files are grouped by intent: the first lines cover a few intents

    for part in ("train", "valid", "id-oos/train", "id-oos/valid", "ood-oos/valid"):
        (tmp_path / part).mkdir(parents=True)
        for name in ("seq.in", "label"):
            lines = (source / part / name).read_text(encoding="utf-8").splitlines()
            step = max(1, len(lines) // keep) if "oos" in part else 1
            (tmp_path / part / name).write_text("\n".join(lines[::step][:keep]) + "\n", encoding="utf-8")
    report, _ = run_json("--format", "banking77-oos", "--train", str(tmp_path))
    assert report["n_train"] == 300
    assert report.keys() >= {"id_oos_recall", "ood_oos_recall", "oos_recall_by_group"}
    assert 0.0 <= report["id_oos_recall"] <= 1.0
    assert report["n_test_oos"] > 0


def test_evaluate_classifier_rejects_a_file_without_the_expected_columns(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("question,label\nhello,greeting\n", encoding="utf-8")
    with pytest.raises(CommandError, match="missing column"):
        run_json("--format", "banking77", "--train", str(path))
    with pytest.raises(CommandError, match="not found"):
        run_json("--format", "bitext", "--train", str(tmp_path / "nope.csv"))
