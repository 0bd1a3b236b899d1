#!/usr/bin/env python3
"""FastAPI + uvicorn server peer: the "seed's stack" for Sentio's server benchmark.

Usage:
  .venv/bin/python bench/peers/fastapi_server.py --train FILE [--config JSON]
      [--name NAME] [--host 127.0.0.1] [--port 8000] [--handler sync|async] [--access-log]

At start-up it fits the scikit-learn pipeline that tests/reference/sentio_sklearn.py
builds from the config (same config keys as the parity reference) on --train,
then serves:

  POST /v1/models/{name}/predict   {"text": "..."}
       -> 200 {"label": "...", "probabilities": {"<class>": p, ...}}
       -> 404 if {name} is not --name (default "default")
  GET  /healthz                    -> {"status": "ok", "model": name, "n_features": n, "classes": [...]}

--handler sync (default) declares the endpoint with `def`, so FastAPI runs it in
its worker thread pool (the idiomatic way for blocking/CPU work); --handler async
declares it `async def` and runs predict_proba on the event loop. One uvicorn
process, one worker. Access logging is off unless --access-log.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.normpath(os.path.join(HERE, "..", "..", "tests", "reference")))

from fastapi import FastAPI, HTTPException  # noqa: E402
from pydantic import BaseModel  # noqa: E402


# Module level (not inside create_app): with `from __future__ import annotations`
# FastAPI resolves the endpoint annotations against module globals.
class PredictRequest(BaseModel):
    text: str


class PredictResponse(BaseModel):
    label: str
    probabilities: dict[str, float]


def create_app(pipe, model_name: str, handler: str = "sync"):
    import sentio_sklearn as ss

    classes = [str(c) for c in pipe.classes_]
    n_features = ss.n_features(pipe)

    app = FastAPI(title="sentio sklearn peer")

    def predict(name: str, req: PredictRequest) -> PredictResponse:
        if name != model_name:
            raise HTTPException(status_code=404, detail=f"unknown model {name!r}")
        proba = pipe.predict_proba([req.text])[0]
        best = int(proba.argmax())
        return PredictResponse(
            label=classes[best],
            probabilities={c: float(p) for c, p in zip(classes, proba)},
        )

    if handler == "async":

        @app.post("/v1/models/{name}/predict", response_model=PredictResponse)
        async def predict_async(name: str, req: PredictRequest) -> PredictResponse:
            return predict(name, req)

    else:

        @app.post("/v1/models/{name}/predict", response_model=PredictResponse)
        def predict_sync(name: str, req: PredictRequest) -> PredictResponse:
            return predict(name, req)

    @app.get("/healthz")
    def healthz() -> dict:
        return {"status": "ok", "model": model_name, "n_features": n_features, "classes": classes}

    return app


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--train", required=True, help="text,label CSV to fit on at start-up")
    ap.add_argument("--config", default="{}", help="config JSON (inline, or @file / path)")
    ap.add_argument("--name", default="default", help="model name in the URL (default 'default')")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8000)
    ap.add_argument("--handler", choices=("sync", "async"), default="sync")
    ap.add_argument("--access-log", action="store_true")
    args = ap.parse_args(argv)

    import uvicorn

    import sentio_sklearn as ss

    t0 = time.perf_counter()
    texts, labels = ss.read_csv(args.train)
    pipe = ss.build_pipeline(ss.load_config(args.config)).fit(texts, labels)
    del texts, labels
    print(
        f"fitted on {args.train} in {time.perf_counter() - t0:.2f}s "
        f"({ss.n_features(pipe)} features); serving model {args.name!r} on http://{args.host}:{args.port}",
        file=sys.stderr,
        flush=True,
    )
    app = create_app(pipe, args.name, args.handler)
    uvicorn.run(app, host=args.host, port=args.port, access_log=args.access_log, log_level="warning")
    return 0


if __name__ == "__main__":
    sys.exit(main())
