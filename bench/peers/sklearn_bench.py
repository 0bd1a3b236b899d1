#!/usr/bin/env python3
"""Benchmark of the scikit-learn peer (TF-IDF + Naive Bayes) for Sentio's engine benchmark.

Usage:
  .venv/bin/python bench/peers/sklearn_bench.py --train FILE [--test FILE | --split-seed N
      --test-fraction 0.2] --config JSON [--repeats 3] [--fit-repeats N] [--batch-repeats N]
      [--single-calls 500]
      [--no-fit-child] --json OUT
  .venv/bin/python bench/peers/sklearn_bench.py --serve --train FILE --test FILE --config JSON

Without --test the train file is split exactly as tests/reference/sklearn_reference.py
does (stratified train_test_split, seed 42 and fraction 0.2 by default).

The pipeline is the one tests/reference/sentio_sklearn.py builds from the config
(the same one the parity reference uses). Measured, all times wall-clock
(time.perf_counter) in seconds:

  fit            Pipeline.fit(train texts) (vectorizer fit + NB fit), on a fresh
                 clone each repeat: median / min / max over --repeats (also the
                 process CPU time, time.process_time, of each: fit_cpu_seconds)
  batch predict  predict_proba(all test texts) per repeat; docs/s = n_test / time
                 (and its process CPU time: batch_predict_proba.cpu_seconds)
  single doc     predict_proba([text]) one call per test text, --single-calls
                 calls cycling over the test texts in file order, after 20
                 warm-up calls: median / p10 / p90 / p99 / mean / min / max
  accuracy       argmax of predict_proba on the test set
  peak RSS       ru_maxrss of a fresh child process (same interpreter, same
                 environment) that imports, reads the train CSV (and splits
                 it, without --test; the test file is not read) and fits once:
                 "peak RSS of a process that loads the data and fits". The
                 child also reports its ru_maxrss after loading, before fitting.
                 --no-fit-child leaves it out (peak_rss_fit_process is then
                 null): the second dataset of the engine bench compares speed
                 and accuracy only.
  model size     len(pickle.dumps(pipeline, protocol=5)) in bytes
  model load     pickle.loads of those bytes: median / min / max over repeats

Environment variables such as OPENBLAS_CORETYPE, OPENBLAS_L2_SIZE,
OPENBLAS_NUM_THREADS, OMP_NUM_THREADS are neither set nor changed here; their
values at start-up are recorded in the output, with threadpoolctl's view of the
loaded BLAS / OpenMP libraries.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import pickle
import platform
import resource
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REFERENCE_DIR = os.path.normpath(os.path.join(HERE, "..", "..", "tests", "reference"))
sys.path.insert(0, REFERENCE_DIR)

ENV_KEYS = (
    "OPENBLAS_CORETYPE",
    "OPENBLAS_L2_SIZE",
    "OPENBLAS_NUM_THREADS",
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "PYTHONHASHSEED",
)


def maxrss_bytes() -> int:
    # Linux reports ru_maxrss in KiB.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def fit_only_child(train: str, test: str | None, seed: int, fraction: float, config: str) -> int:
    """Run in a fresh process: import, load the data, fit once; print JSON."""
    t0 = time.perf_counter()
    import numpy  # noqa: F401
    import sklearn  # noqa: F401

    import sentio_sklearn as ss

    rss_after_import = maxrss_bytes()
    if test:  # only what fitting needs: the test file is not read
        texts, labels = ss.read_csv(train)
    else:
        texts, labels, _, _, _ = ss.load_train_test(train, None, seed, fraction)
    rss_after_load = maxrss_bytes()
    pipe = ss.build_pipeline(ss.load_config(config))
    t1 = time.perf_counter()
    pipe.fit(texts, labels)
    t2 = time.perf_counter()
    print(
        json.dumps(
            {
                "peak_rss_bytes_after_import": rss_after_import,
                "peak_rss_bytes_after_load": rss_after_load,
                "peak_rss_bytes_after_fit": maxrss_bytes(),
                "fit_seconds": t2 - t1,
                "process_seconds": t2 - t0,
                "n_features": ss.n_features(pipe),
            }
        )
    )
    return 0


def run_fit_only_child(args: argparse.Namespace) -> dict:
    """Run this script with --fit-only-child in a fresh process; its JSON line as a dict."""
    child_cmd = [sys.executable, os.path.abspath(__file__), "--fit-only-child", "--train", args.train, "--config", args.config]
    if args.test:
        child_cmd += ["--test", args.test]
    else:
        child_cmd += ["--split-seed", str(args.split_seed), "--test-fraction", str(args.test_fraction)]
    child = subprocess.run(
        child_cmd,
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        check=False,
    )
    if child.returncode != 0:
        sys.stderr.write(child.stderr)
        raise SystemExit(f"fit-only child failed with exit code {child.returncode}")
    return json.loads(child.stdout.strip().splitlines()[-1])


def timed(fn):
    """Collect garbage, then run fn(): (its result, wall seconds, process CPU seconds).
    Every timed fit and batch goes through here, in both modes."""
    gc.collect()
    c0 = time.process_time()
    t0 = time.perf_counter()
    result = fn()
    wall = time.perf_counter() - t0
    return result, wall, time.process_time() - c0


def serve(args: argparse.Namespace) -> int:
    """--serve: load the data once, then answer one JSON request per stdin line
    with one JSON line on stdout, so that the engine bench can alternate
    scikit-learn's measurements with Sentio's (both then see the same machine;
    see bench/engine/interleaved.mjs). Requests:

      {"op": "fit"}                       fit a fresh clone of the pipeline on the
                                          train texts (kept for "batch"):
                                          {"seconds": wall, "cpu_seconds": cpu}
      {"op": "batch"}                     predict_proba(all test texts):
                                          {"seconds": wall, "cpu_seconds": cpu}

    The first line written is {"ready": true, "n_train": ..., "n_test": ...}.
    """
    from sklearn.base import clone

    import sentio_sklearn as ss

    template = ss.build_pipeline(ss.load_config(args.config))
    train_x, train_y, test_x, _, _ = ss.load_train_test(args.train, args.test, args.split_seed, args.test_fraction)
    pipe = None

    def reply(obj: dict) -> None:
        sys.stdout.write(json.dumps(obj) + "\n")
        sys.stdout.flush()

    reply({"ready": True, "n_train": len(train_x), "n_test": len(test_x)})
    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        op = req.get("op")
        if op == "fit":
            # The previous pipeline is freed first, as the one-shot run does
            # (and as the bench disposes Sentio's previous model).
            pipe = None
            p = clone(template)
            _, wall, cpu = timed(lambda: p.fit(train_x, train_y))
            reply({"seconds": wall, "cpu_seconds": cpu})
            pipe = p
        elif op == "batch" and pipe is not None:
            _, wall, cpu = timed(lambda: pipe.predict_proba(test_x))
            reply({"seconds": wall, "cpu_seconds": cpu})
        else:
            reply({"error": f"unknown request (or batch before fit): {line.strip()}"})
    return 0


def summarize(xs: list[float]) -> dict[str, float]:
    return {"median": statistics.median(xs), "min": min(xs), "max": max(xs), "all": xs}


def percentile(sorted_xs: list[float], q: float) -> float:
    """Linear-interpolated percentile (numpy's default method), q in [0, 100]."""
    if len(sorted_xs) == 1:
        return sorted_xs[0]
    pos = (len(sorted_xs) - 1) * q / 100.0
    lo = int(pos)
    hi = min(lo + 1, len(sorted_xs) - 1)
    return sorted_xs[lo] + (sorted_xs[hi] - sorted_xs[lo]) * (pos - lo)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--train", required=True)
    ap.add_argument("--test", help="text,label CSV to score; if absent, --train is split (stratified)")
    ap.add_argument("--split-seed", type=int, default=42, help="random_state of the split (default 42)")
    ap.add_argument("--test-fraction", type=float, default=0.2, help="test_size of the split (default 0.2)")
    ap.add_argument("--config", default="{}", help="config JSON (inline, or @file / path)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--fit-repeats", type=int, help="fits to time (default: --repeats)")
    ap.add_argument("--batch-repeats", type=int, help="batch predictions to time (default: --repeats)")
    ap.add_argument("--single-calls", type=int, default=500)
    ap.add_argument("--json", dest="json_out")
    ap.add_argument("--no-fit-child", action="store_true", help="do not measure peak RSS in a fresh fit-only process")
    ap.add_argument("--fit-only-child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--serve", action="store_true", help="answer fit / batch requests on stdin (see serve())")
    args = ap.parse_args(argv)

    if args.fit_only_child:
        return fit_only_child(args.train, args.test, args.split_seed, args.test_fraction, args.config)
    if args.serve:
        return serve(args)
    if not args.json_out:
        ap.error("--json is required")
    if args.repeats < 1 or args.single_calls < 1 or any(
        r is not None and r < 1 for r in (args.fit_repeats, args.batch_repeats)
    ):
        ap.error("--repeats, --fit-repeats, --batch-repeats and --single-calls must be >= 1")

    env_at_start = {k: os.environ.get(k) for k in ENV_KEYS}
    wall0 = time.perf_counter()

    # 1. Peak RSS of a fresh process that loads the data and fits (run first,
    #    while this process is still small, so the two do not compete for memory).
    child_out = None if args.no_fit_child else run_fit_only_child(args)

    import numpy as np
    import scipy
    import sklearn
    import threadpoolctl
    from sklearn.base import clone

    import sentio_sklearn as ss

    cfg = ss.load_config(args.config)
    params = ss.resolved_params(cfg)
    template = ss.build_pipeline(cfg)

    t0 = time.perf_counter()
    train_x, train_y, test_x, test_y, split = ss.load_train_test(
        args.train, args.test, args.split_seed, args.test_fraction
    )
    load_seconds = time.perf_counter() - t0

    # 2. Fit.
    fit_times: list[float] = []
    fit_cpu: list[float] = []
    pipe = None
    fit_repeats = args.fit_repeats if args.fit_repeats is not None else args.repeats
    for _ in range(fit_repeats):
        pipe = None
        p = clone(template)
        _, wall, cpu = timed(lambda: p.fit(train_x, train_y))
        fit_times.append(wall)
        fit_cpu.append(cpu)
        pipe = p
    assert pipe is not None

    # 3. Batch predict_proba over the whole test set, and accuracy.
    batch_times: list[float] = []
    batch_cpu: list[float] = []
    proba = None
    batch_repeats = args.batch_repeats if args.batch_repeats is not None else args.repeats
    for _ in range(batch_repeats):
        proba, wall, cpu = timed(lambda: pipe.predict_proba(test_x))
        batch_times.append(wall)
        batch_cpu.append(cpu)
    classes = pipe.classes_
    accuracy = float(np.mean(classes[np.argmax(proba, axis=1)] == np.asarray(test_y, dtype=object)))

    # 4. Single-document latency.
    n_single = args.single_calls
    for i in range(min(20, len(test_x))):
        pipe.predict_proba([test_x[i]])
    lat: list[float] = []
    gc.collect()
    for i in range(n_single):
        doc = [test_x[i % len(test_x)]]
        t0 = time.perf_counter()
        pipe.predict_proba(doc)
        lat.append(time.perf_counter() - t0)
    lat_sorted = sorted(lat)

    # 5. Model size and load time.
    t0 = time.perf_counter()
    blob = pickle.dumps(pipe, protocol=5)
    dump_seconds = time.perf_counter() - t0
    load_times: list[float] = []
    for _ in range(args.repeats):
        gc.collect()
        t0 = time.perf_counter()
        loaded = pickle.loads(blob)
        load_times.append(time.perf_counter() - t0)
        del loaded

    batch_median = statistics.median(batch_times)
    mib = 1024 * 1024
    result = {
        "peer": "scikit-learn",
        "pipeline_steps": [type(step).__name__ for _, step in pipe.steps],
        "units": "times in seconds (wall clock, time.perf_counter); sizes in bytes unless the key says MiB (2^20 bytes)",
        "config": cfg,
        "sklearn_params": params,
        "data": {
            "train_file": os.path.abspath(args.train),
            "test_file": os.path.abspath(args.test) if args.test else None,
            "split": None if split is None else {"stratified": True, "seed": args.split_seed, "test_fraction": args.test_fraction},
            "n_train": len(train_x),
            "n_test": len(test_x),
            "train_file_bytes": os.path.getsize(args.train),
            "test_file_bytes": os.path.getsize(args.test) if args.test else None,
            "csv_load_seconds": load_seconds,
        },
        "n_features": ss.n_features(pipe),
        "classes": [str(c) for c in classes],
        "accuracy": accuracy,
        "repeats": args.repeats,
        "fit_seconds": summarize(fit_times),
        "fit_cpu_seconds": summarize(fit_cpu),
        "batch_predict_proba": {
            "n_docs": len(test_x),
            "seconds": summarize(batch_times),
            "cpu_seconds": summarize(batch_cpu),
            "docs_per_second_median": len(test_x) / batch_median,
            "docs_per_second_best": len(test_x) / min(batch_times),
        },
        "single_doc_predict_proba_latency_seconds": {
            "n_calls": n_single,
            "warmup_calls": min(20, len(test_x)),
            "median": statistics.median(lat),
            "p10": percentile(lat_sorted, 10),
            "p90": percentile(lat_sorted, 90),
            "p99": percentile(lat_sorted, 99),
            "mean": statistics.fmean(lat),
            "min": lat_sorted[0],
            "max": lat_sorted[-1],
        },
        "peak_rss_fit_process": None
        if child_out is None
        else {
            "what": "ru_maxrss of a fresh child process that imports sklearn, reads the train CSV (and splits it, without --test; the test file is not read) and fits once on the train texts",
            "bytes": child_out["peak_rss_bytes_after_fit"],
            "MiB": child_out["peak_rss_bytes_after_fit"] / mib,
            "bytes_after_import": child_out["peak_rss_bytes_after_import"],
            "MiB_after_import": child_out["peak_rss_bytes_after_import"] / mib,
            "bytes_after_load_before_fit": child_out["peak_rss_bytes_after_load"],
            "MiB_after_load_before_fit": child_out["peak_rss_bytes_after_load"] / mib,
            "child_fit_seconds": child_out["fit_seconds"],
            "child_process_seconds": child_out["process_seconds"],
        },
        "peak_rss_this_process_MiB": maxrss_bytes() / mib,
        "model_pickle": {
            "protocol": 5,
            "bytes": len(blob),
            "MiB": len(blob) / mib,
            "dumps_seconds": dump_seconds,
            "loads_seconds": summarize(load_times),
        },
        "environment": {
            "python": platform.python_version(),
            "implementation": platform.python_implementation(),
            "platform": platform.platform(),
            "machine": platform.machine(),
            "cpu_count": os.cpu_count(),
            "sched_affinity_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
            "sklearn_version": sklearn.__version__,
            "numpy_version": np.__version__,
            "scipy_version": scipy.__version__,
            "threadpoolctl_version": threadpoolctl.__version__,
            "threadpool_info": threadpoolctl.threadpool_info(),
            "env_vars": env_at_start,
        },
        "bench_wall_seconds": time.perf_counter() - wall0,
    }
    out_dir = os.path.dirname(os.path.abspath(args.json_out))
    os.makedirs(out_dir, exist_ok=True)
    with open(args.json_out, "w", encoding="utf-8") as fh:
        json.dump(result, fh, indent=2, ensure_ascii=False)
        fh.write("\n")
    lt = result["single_doc_predict_proba_latency_seconds"]
    peak = result["peak_rss_fit_process"]
    print(
        f"sklearn {sklearn.__version__}: accuracy={accuracy:.4f} n_features={result['n_features']} "
        f"fit={result['fit_seconds']['median']:.2f}s batch={result['batch_predict_proba']['docs_per_second_median']:.0f} docs/s "
        f"single p50={lt['median'] * 1e3:.3f}ms p90={lt['p90'] * 1e3:.3f}ms "
        f"peakRSS={'-' if peak is None else format(peak['MiB'], '.1f')}MiB pickle={result['model_pickle']['MiB']:.1f}MiB "
        f"load={result['model_pickle']['loads_seconds']['median']:.3f}s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
