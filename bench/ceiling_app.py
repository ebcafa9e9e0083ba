"""The ceiling for bench/http.py: a bare FastAPI app serving Laurels' own reward JSON from memory.

No database, no authentication, no models: each route is an ``async def``
returning bytes captured from a running Laurels, so what it serves per second is
what the framework and the server (uvicorn, httptools, uvloop, the same worker
count) can do on this machine with bodies of the same size. Laurels' figures are
read as a fraction of these.

The bodies come from files in the directory named by LAURELS_CEILING_DIR
(bench/http.py writes them): ``one.json`` (GET /v1/rewards/{id}),
``list.json`` (GET /v1/rewards, a page of 50) and ``created.json`` (what
POST /v1/rewards answers with 201).

    LAURELS_CEILING_DIR=/tmp/x .venv/bin/python -m uvicorn bench.ceiling_app:app --workers 2  (from the repository root)
"""

from __future__ import annotations

import os
from pathlib import Path

from fastapi import FastAPI, Request, Response

_BODIES = Path(os.environ["LAURELS_CEILING_DIR"])
ONE = (_BODIES / "one.json").read_bytes()
PAGE = (_BODIES / "list.json").read_bytes()
CREATED = (_BODIES / "created.json").read_bytes()
JSON = "application/json"

app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)


@app.get("/healthz")
async def healthz() -> Response:
    return Response(b'{"status":"ok"}', media_type=JSON)


@app.get("/v1/rewards/{reward_id}")
async def get_reward(reward_id: str) -> Response:
    # The path parameter is parsed as Laurels' route parses it; the body is the same bytes every time.
    return Response(ONE, media_type=JSON)


@app.get("/v1/rewards")
async def list_rewards(limit: int = 50) -> Response:
    return Response(PAGE, media_type=JSON)


@app.post("/v1/rewards", status_code=201)
async def create_reward(request: Request) -> Response:
    # Read the whole body, as any create must, then answer what Laurels answered for one.
    await request.body()
    return Response(CREATED, status_code=201, media_type=JSON)
