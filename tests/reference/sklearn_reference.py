#!/usr/bin/env python3
"""scikit-learn reference outputs for Sentio's parity tests.

Usage:
  .venv/bin/python tests/reference/sklearn_reference.py --train FILE [--test FILE]
      [--split-seed N] [--test-fraction 0.2] --config JSON --out DIR [--dump-model]

Fits TF-IDF + Naive Bayes (see sentio_sklearn.py for the config keys and how
they map to scikit-learn) on the train texts and writes to --out:

  vocabulary.txt     feature names in column order, one per line, UTF-8, LF
                     (vocabulary mode only; n-grams are joined by one space)
  idf.f64            idf_ as raw little-endian float64, n_features values
                     (absent when use_idf is false)
  classes.json       class labels in column order of proba (sklearn classes_)
  proba.f64          predict_proba of the test texts, raw little-endian float64,
                     row-major n_test x n_classes
  test_labels.json   true labels of the test texts, in proba row order
  split.json         only without --test: {"seed", "test_fraction", "train",
                     "test"} with 0-based data-row indices (header excluded) of
                     the input file, in the order sklearn's train_test_split
                     returns them; proba rows follow the "test" order
  summary.json       accuracy, n_features, n_train, n_test, fit_seconds,
                     versions, resolved sklearn parameters
  --dump-model adds  feature_log_prob.f64 (n_classes x n_features, row-major)
                     and class_log_prior.f64 (n_classes), raw LE float64

Without --test, the train file is split with
  train_test_split(indices, test_size=fraction, random_state=seed, stratify=labels)
(seed defaults to 42, fraction to 0.2).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sentio_sklearn as ss  # noqa: E402


OUTPUT_FILES = (
    "vocabulary.txt", "idf.f64", "classes.json", "proba.f64", "test_labels.json",
    "split.json", "summary.json", "feature_log_prob.f64", "class_log_prior.f64",
)


def write_f64(path: str, arr) -> None:
    np.ascontiguousarray(arr, dtype="<f8").tofile(path)


def write_json(path: str, obj) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(obj, fh, ensure_ascii=False)
        fh.write("\n")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--train", required=True, help="text,label CSV to fit on (or to split)")
    ap.add_argument("--test", help="text,label CSV to score; if absent, --train is split")
    ap.add_argument("--split-seed", type=int, default=42, help="random_state of the split (default 42)")
    ap.add_argument("--test-fraction", type=float, default=0.2, help="test_size of the split (default 0.2)")
    ap.add_argument("--config", default="{}", help="config JSON (inline, or @file / path)")
    ap.add_argument("--out", required=True, help="output directory (created if missing)")
    ap.add_argument("--dump-model", action="store_true", help="also write feature_log_prob.f64 and class_log_prior.f64")
    args = ap.parse_args(argv)

    import sklearn

    try:
        cfg = ss.load_config(args.config)
        params = ss.resolved_params(cfg)
        pipe = ss.build_pipeline(cfg)
    except ss.ConfigError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2

    os.makedirs(args.out, exist_ok=True)
    for stale in OUTPUT_FILES:  # never leave a previous run's files behind
        path = os.path.join(args.out, stale)
        if os.path.exists(path):
            os.remove(path)
    train_x, train_y, test_x, test_y, split = ss.load_train_test(
        args.train, args.test, args.split_seed, args.test_fraction
    )

    t0 = time.perf_counter()
    pipe.fit(train_x, train_y)
    fit_seconds = time.perf_counter() - t0

    t0 = time.perf_counter()
    proba = pipe.predict_proba(test_x)
    predict_seconds = time.perf_counter() - t0

    nb = pipe.named_steps["nb"]
    classes = [c.item() if hasattr(c, "item") else c for c in nb.classes_]
    pred = nb.classes_[np.argmax(proba, axis=1)]
    accuracy = float(np.mean(pred == np.asarray(test_y, dtype=object)))
    tfidf = ss.tfidf_step(pipe)

    if params["mode"] == "vocabulary":
        names = tfidf.get_feature_names_out()
        with open(os.path.join(args.out, "vocabulary.txt"), "w", encoding="utf-8", newline="\n") as fh:
            for name in names:
                if "\n" in name or "\r" in name:
                    raise RuntimeError(f"feature name contains a line break: {name!r}")
                fh.write(name)
                fh.write("\n")
    if params["tfidf"]["use_idf"]:
        write_f64(os.path.join(args.out, "idf.f64"), tfidf.idf_)
    write_json(os.path.join(args.out, "classes.json"), classes)
    write_f64(os.path.join(args.out, "proba.f64"), proba)
    write_json(os.path.join(args.out, "test_labels.json"), list(test_y))
    if split is not None:
        write_json(os.path.join(args.out, "split.json"), split)
    if args.dump_model:
        write_f64(os.path.join(args.out, "feature_log_prob.f64"), nb.feature_log_prob_)
        write_f64(os.path.join(args.out, "class_log_prior.f64"), nb.class_log_prior_)

    summary = {
        "accuracy": accuracy,
        "n_features": ss.n_features(pipe),
        "n_classes": len(classes),
        "n_train": len(train_x),
        "n_test": len(test_x),
        "fit_seconds": fit_seconds,
        "predict_seconds": predict_seconds,
        "sklearn_version": sklearn.__version__,
        "numpy_version": np.__version__,
        "python_version": platform.python_version(),
        "train_file": os.path.abspath(args.train),
        "test_file": os.path.abspath(args.test) if args.test else None,
        "split": None if split is None else {"seed": args.split_seed, "test_fraction": args.test_fraction},
        "config": cfg,
        "sklearn_params": params,
        "files": sorted(set(os.listdir(args.out)) & set(OUTPUT_FILES) | {"summary.json"}),
    }
    write_json(os.path.join(args.out, "summary.json"), summary)
    print(json.dumps({k: summary[k] for k in ("accuracy", "n_features", "n_train", "n_test", "fit_seconds")}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
