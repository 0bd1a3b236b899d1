"""Shared helpers for Sentio's scikit-learn reference and benchmark peers.

Used by tests/reference/sklearn_reference.py, bench/peers/sklearn_bench.py and
bench/peers/fastapi_server.py, so that all three build exactly the same
scikit-learn pipeline from the same config JSON.

Config JSON (every key optional; defaults in DEFAULTS below):

  ngram_range   [min, max]               word n-gram range            ([1, 1])
  min_df        number                   int >= 1: document count; < 1: proportion (1)
  max_df        number                   same rule; 1 / 1.0 means "no limit"     (1.0)
  max_features  int | null                                                        (null)
  lowercase     bool                                                              (true)
  strip_accents null | "unicode" | "ascii"                                        (null)
  stop_words    null | "english"                                                  (null)
  use_idf, smooth_idf, sublinear_tf  bool                         (true, true, false)
  norm          "l2" | "l1" | "none" | null  ("none" and null both mean no norm) ("l2")
  classifier    "multinomial" | "complement"                                      ("multinomial")
  alpha         number                                                            (1.0)
  fit_prior     bool                                                              (true)
  hashing       null | {"bits": k, "signed": bool}                                (null)

min_df / max_df follow scikit-learn's int-vs-float rule. JSON has one number
type, so the value is converted here: an integer-valued number >= 1 (2, 2.0)
becomes a Python int (a document count), anything < 1 stays a float (a
proportion). The one exception is max_df == 1 (or 1.0), which becomes the float
1.0 ("100% of documents", i.e. no upper limit) and not the int 1 ("at most one
document"). A non-integer value > 1 is rejected, as scikit-learn would.

Vocabulary mode (hashing null):
  TfidfVectorizer(token_pattern default r"(?u)\\b\\w\\w+\\b", ...) -> NB

Hashing mode (hashing {"bits": k, "signed": s}):
  HashingVectorizer(n_features=2**k, alternate_sign=s, norm=None, ...)
  -> [signed only] AbsoluteCounts  -> TfidfTransformer(...) -> NB

  MultinomialNB / ComplementNB need non-negative input, so with signed hashing
  the per-document hashed counts are summed with their signs first (tokens that
  collide in a bucket with opposite signs cancel) and the absolute value of each
  bucket's sum is then taken, before TF-IDF. A bucket whose signed sum is
  exactly 0 in a document is treated as absent from that document: it is not
  counted in the document frequency and gets no tf entry. (Plain scikit-learn
  would keep it as an explicit stored zero, count it in df, and with
  sublinear_tf turn it into -inf; removing it is the only sane choice and it is
  what the Sentio engine does.) min_df, max_df and max_features do not apply in
  hashing mode and are rejected if set.

Class order is scikit-learn's classes_: the distinct labels sorted (np.unique,
i.e. by Unicode code point for string labels).
"""

from __future__ import annotations

import csv
import json
import math
import sys
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import (
    HashingVectorizer,
    TfidfTransformer,
    TfidfVectorizer,
)
from sklearn.naive_bayes import ComplementNB, MultinomialNB
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

DEFAULTS: dict[str, Any] = {
    "ngram_range": [1, 1],
    "min_df": 1,
    "max_df": 1.0,
    "max_features": None,
    "lowercase": True,
    "strip_accents": None,
    "stop_words": None,
    "use_idf": True,
    "smooth_idf": True,
    "sublinear_tf": False,
    "norm": "l2",
    "classifier": "multinomial",
    "alpha": 1.0,
    "fit_prior": True,
    "hashing": None,
}


class ConfigError(ValueError):
    pass


def read_csv(path: str) -> tuple[list[str], list[str]]:
    """Read a `text,label` CSV (UTF-8, RFC 4180) into (texts, labels)."""
    csv.field_size_limit(sys.maxsize)
    texts: list[str] = []
    labels: list[str] = []
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        if header != ["text", "label"]:
            raise ValueError(f"{path}: expected header 'text,label', got {header!r}")
        for lineno, row in enumerate(reader, start=2):
            if len(row) != 2:
                raise ValueError(f"{path}: record {lineno - 1} has {len(row)} fields")
            texts.append(row[0])
            labels.append(row[1])
    return texts, labels


def load_train_test(train: str, test: str | None, split_seed: int = 42, test_fraction: float = 0.2):
    """(train_x, train_y, test_x, test_y, split).

    With a test file, split is None. Without one, the train file is split with
    train_test_split(row indices, test_size=test_fraction, random_state=split_seed,
    stratify=labels) and split is {"seed", "test_fraction", "train", "test"}
    holding 0-based data-row indices in the order sklearn returns them.
    """
    texts, labels = read_csv(train)
    if test:
        test_x, test_y = read_csv(test)
        return texts, labels, test_x, test_y, None
    from sklearn.model_selection import train_test_split

    idx_train, idx_test = train_test_split(
        np.arange(len(texts)), test_size=test_fraction, random_state=split_seed, stratify=labels
    )
    split = {
        "seed": split_seed,
        "test_fraction": test_fraction,
        "train": idx_train.tolist(),
        "test": idx_test.tolist(),
    }
    return (
        [texts[i] for i in idx_train],
        [labels[i] for i in idx_train],
        [texts[i] for i in idx_test],
        [labels[i] for i in idx_test],
        split,
    )


def load_config(arg: str) -> dict[str, Any]:
    """Parse --config: inline JSON, or @path / a path to a JSON file."""
    text = arg
    if arg.startswith("@"):
        with open(arg[1:], encoding="utf-8") as fh:
            text = fh.read()
    elif not arg.lstrip().startswith("{"):
        with open(arg, encoding="utf-8") as fh:
            text = fh.read()
    cfg = json.loads(text)
    if not isinstance(cfg, dict):
        raise ConfigError("config must be a JSON object")
    unknown = sorted(set(cfg) - set(DEFAULTS))
    if unknown:
        raise ConfigError(f"unknown config keys: {unknown}")
    return {**DEFAULTS, **cfg}


def df_param(name: str, value: Any) -> int | float:
    """Convert a JSON number to sklearn's int (count) / float (proportion)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(f"{name} must be a number, got {value!r}")
    if not math.isfinite(value) or value < 0:
        raise ConfigError(f"{name} must be a finite number >= 0, got {value!r}")
    if name == "max_df" and value == 1:
        return 1.0
    if value >= 1:
        if float(value) != math.floor(value):
            raise ConfigError(f"{name}={value!r}: values >= 1 must be integers (document counts)")
        return int(value)
    return float(value)


def _abs_counts(X):
    """|signed hashed counts|, dropping buckets whose signed sum is exactly 0."""
    X = abs(X)
    X.eliminate_zeros()
    return X


def resolved_params(cfg: dict[str, Any]) -> dict[str, Any]:
    """The exact scikit-learn parameters the config maps to (for summaries)."""
    ngram = cfg["ngram_range"]
    if not (isinstance(ngram, (list, tuple)) and len(ngram) == 2 and all(isinstance(n, int) and n >= 1 for n in ngram) and ngram[0] <= ngram[1]):
        raise ConfigError(f"ngram_range must be [min, max] with 1 <= min <= max, got {ngram!r}")
    norm = cfg["norm"]
    if norm in (None, "none"):
        norm = None
    elif norm not in ("l1", "l2"):
        raise ConfigError(f"norm must be 'l2', 'l1' or 'none', got {norm!r}")
    if cfg["strip_accents"] not in (None, "unicode", "ascii"):
        raise ConfigError(f"strip_accents must be null, 'unicode' or 'ascii', got {cfg['strip_accents']!r}")
    if cfg["stop_words"] not in (None, "english"):
        raise ConfigError(f"stop_words must be null or 'english', got {cfg['stop_words']!r}")
    if cfg["classifier"] not in ("multinomial", "complement"):
        raise ConfigError(f"classifier must be 'multinomial' or 'complement', got {cfg['classifier']!r}")
    mf = cfg["max_features"]
    if mf is not None and (isinstance(mf, bool) or not isinstance(mf, (int, float)) or mf < 1 or float(mf) != math.floor(mf)):
        raise ConfigError(f"max_features must be null or an integer >= 1, got {mf!r}")
    hashing = cfg["hashing"]
    out: dict[str, Any] = {
        "mode": "hashing" if hashing else "vocabulary",
        "text": {
            "ngram_range": [int(ngram[0]), int(ngram[1])],
            "lowercase": bool(cfg["lowercase"]),
            "strip_accents": cfg["strip_accents"],
            "stop_words": cfg["stop_words"],
        },
        "tfidf": {
            "use_idf": bool(cfg["use_idf"]),
            "smooth_idf": bool(cfg["smooth_idf"]),
            "sublinear_tf": bool(cfg["sublinear_tf"]),
            "norm": norm,
        },
        "nb": {
            "classifier": cfg["classifier"],
            "alpha": float(cfg["alpha"]),
            "fit_prior": bool(cfg["fit_prior"]),
        },
    }
    if hashing:
        if not isinstance(hashing, dict) or set(hashing) - {"bits", "signed"} or "bits" not in hashing:
            raise ConfigError(f"hashing must be null or {{'bits': k, 'signed': bool}}, got {hashing!r}")
        bits = hashing["bits"]
        if isinstance(bits, bool) or not isinstance(bits, int) or not 1 <= bits <= 30:
            raise ConfigError(f"hashing.bits must be an integer in 1..30, got {bits!r}")
        for key, default in (("min_df", 1), ("max_df", 1.0), ("max_features", None)):
            if cfg[key] != default:
                raise ConfigError(f"{key} is not supported in hashing mode (got {cfg[key]!r})")
        out["hashing"] = {"n_features": 2**bits, "bits": bits, "alternate_sign": bool(hashing.get("signed", False))}
    else:
        out["text"]["min_df"] = df_param("min_df", cfg["min_df"])
        out["text"]["max_df"] = df_param("max_df", cfg["max_df"])
        out["text"]["max_features"] = None if mf is None else int(mf)
    return out


def build_pipeline(cfg: dict[str, Any]) -> Pipeline:
    p = resolved_params(cfg)
    t, tf, nb = p["text"], p["tfidf"], p["nb"]
    common = dict(
        ngram_range=tuple(t["ngram_range"]),
        lowercase=t["lowercase"],
        strip_accents=t["strip_accents"],
        stop_words=t["stop_words"],
        dtype=np.float64,
    )
    if nb["classifier"] == "multinomial":
        clf = MultinomialNB(alpha=nb["alpha"], fit_prior=nb["fit_prior"])
    else:
        clf = ComplementNB(alpha=nb["alpha"], fit_prior=nb["fit_prior"])
    if p["mode"] == "vocabulary":
        vec = TfidfVectorizer(
            min_df=t["min_df"], max_df=t["max_df"], max_features=t["max_features"], **common, **tf
        )
        return Pipeline([("tfidf", vec), ("nb", clf)])
    h = p["hashing"]
    steps: list[tuple[str, Any]] = [
        ("hash", HashingVectorizer(n_features=h["n_features"], alternate_sign=h["alternate_sign"], norm=None, **common))
    ]
    if h["alternate_sign"]:
        steps.append(("abs", FunctionTransformer(_abs_counts, accept_sparse=True)))
    steps += [("tfidf", TfidfTransformer(**tf)), ("nb", clf)]
    return Pipeline(steps)


def tfidf_step(pipe: Pipeline):
    """The fitted TfidfVectorizer / TfidfTransformer step."""
    return pipe.named_steps["tfidf"]


def n_features(pipe: Pipeline) -> int:
    return int(pipe.named_steps["nb"].feature_count_.shape[1])
