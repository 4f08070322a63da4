"""A small HTTP service over voc: score messages, and watch live chats for risk.

Endpoints (JSON in, JSON out; interactive docs at /docs):

- ``POST /sentiment``  ``{"text": "..."}`` → label, polarity, confidence and evidence.
- ``POST /analyze``    ``{"texts": ["...", ...]}`` → sentiment, emotion and opinions per text,
  run as one batch through a :class:`voc.Pipeline` built (and loaded) once at start-up.
- ``POST /dialogues/{id}/turns`` ``{"role": "customer", "text": "...", "ts": "2024-09-01T10:02:11"}``
  → the risk flags this turn raised, and the dialogue's score and level so far.
- ``GET /dialogues/{id}``  → the dialogue's risk report; ``DELETE /dialogues/{id}`` → the
  final report, and the dialogue's state is freed (call it when the chat ends).
- ``GET /health``.

Input voc cannot use (a number instead of a text, an unknown role, an unreadable
time) is answered with 422 and voc's own message saying what was expected.

Run:  python examples/service.py --port 8000
      curl -s localhost:8000/sentiment -H 'content-type: application/json' -d '{"text": "客服态度太差了"}'

Needs ``pip install "voc[service]"`` (FastAPI and uvicorn).

One process holds the streaming state of every open dialogue (one
:class:`voc.alerts.RiskMonitor`; it keeps a state per dialogue id and is safe to
feed from many threads), so run one worker, or route each dialogue id to the same
worker. Handlers are plain ``def`` functions: FastAPI runs them in its thread pool,
so a long batch never blocks the event loop, and the loaded models are read-only
and shared by the threads.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Annotated, Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

import voc
from voc.alerts import RiskDetector, RiskFlag, RiskMonitor, RiskReport
from voc.errors import InputError

logger = logging.getLogger("voc.examples.service")

MAX_CHARS = 20_000  # per text; longer ones are usually pasted logs, not customer messages
MAX_BATCH = 1_000   # texts per /analyze call

# Any JSON value is accepted here and checked by voc, so a wrong type gets voc's message
# (what was expected and how to fix it) rather than a generic schema error.
TextField = Annotated[Any, Field(description="the text (a JSON string)", json_schema_extra={"type": "string"})]


class TextIn(BaseModel):
    text: TextField


class TextsIn(BaseModel):
    texts: Annotated[list[Any], Field(description=f"up to {MAX_BATCH} texts",
                                      json_schema_extra={"items": {"type": "string"}})]


class TurnIn(BaseModel):
    role: Annotated[Any, Field(description="customer / agent (or 客户 / 客服, user / staff …)",
                               json_schema_extra={"type": "string"})]
    text: TextField
    ts: Annotated[Any, Field(description="ISO time (2024-09-01T10:02:11) or Unix seconds; "
                                         "enables slow_response flags",
                             json_schema_extra={"type": ["string", "number", "null"]})] = None


# -- conversions -------------------------------------------------------------------------
def _span(s: voc.Span) -> dict[str, Any]:
    return {"text": s.text, "start": s.start, "end": s.end, "weight": round(s.weight, 4)}


def _sentiment(s: voc.Sentiment) -> dict[str, Any]:
    return {"label": s.label, "polarity": round(s.polarity, 4), "confidence": round(s.score, 4),
            "evidence": [_span(e) for e in s.evidence[:5]]}


def _document(doc: voc.Document) -> dict[str, Any]:
    out: dict[str, Any] = {"text_norm": doc.text, "words": doc.words}
    if doc.sentiment is not None:
        out["sentiment"] = _sentiment(doc.sentiment)
    if doc.emotion is not None:
        out["emotion"] = {"label": doc.emotion.label,
                          "scores": {k: round(v, 4) for k, v in doc.emotion.scores.items()}}
    if doc.opinions is not None:
        out["opinions"] = [{"aspect": o.aspect, "opinion": o.opinion, "polarity": o.polarity,
                            "category": list(o.category)} for o in doc.opinions]
    return out


def _flag(f: RiskFlag) -> dict[str, Any]:
    ev = f.evidence
    return {"category": f.category, "turn": f.turn, "rule": f.rule, "evidence": ev.text,
            "start": ev.start, "end": ev.end, "weight": round(ev.weight, 4),
            "note": ev.label if ev.label != f.category else ""}


def _report(r: RiskReport) -> dict[str, Any]:
    return {"dialogue_id": r.dialogue_id, "score": round(r.score, 4), "severity": round(r.severity, 4),
            "level": r.level, "categories": list(r.categories), "first_turn": r.first_turn,
            "resolved": r.resolved, "flags": [_flag(f) for f in r.flags]}


def _time(ts: Any) -> datetime | float | None:
    if ts is None:
        return None
    if isinstance(ts, (int, float)) and not isinstance(ts, bool):
        return float(ts)
    if isinstance(ts, str):
        try:
            return datetime.fromisoformat(ts.strip().replace("Z", "+00:00"))
        except ValueError:
            pass
    raise InputError(f"ts must be an ISO time such as '2024-09-01T10:02:11' or Unix seconds, got {ts!r:.60}; "
                     "leave it out if the time is unknown")


def _check_length(text: Any, what: str) -> None:
    if isinstance(text, str) and len(text) > MAX_CHARS:
        raise InputError(f"{what} has {len(text)} characters, more than this service takes ({MAX_CHARS}); "
                         "split it (e.g. by message) or analyse the file offline with `voc analyze`")


# -- the app -------------------------------------------------------------------------------
def create_app(pipeline: voc.Pipeline | None = None, detector: RiskDetector | None = None) -> FastAPI:
    """The FastAPI app; models load (and are warmed up) when the app starts.

    ``pipeline`` defaults to voc's default pipeline (all steps), which the default
    :class:`~voc.alerts.RiskDetector` also reads its sentiment and anger signals from,
    so each model is loaded once.
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        p = pipeline or voc.get_default_pipeline()
        for step in p.steps:  # load now, not on the first request
            p.get(step)
        p("预热一下，物流很快")
        det = detector or RiskDetector()
        det.assess(voc.Dialogue([voc.Turn("customer", "预热一下，我要投诉")]))
        app.state.pipeline = p
        app.state.monitor = det.monitor()
        logger.info("voc service ready: %r, %r", p, det)
        yield

    app = FastAPI(title="voc service", version=voc.__version__, lifespan=lifespan,
                  description="Chinese voice-of-customer analytics: sentiment, opinions, live dialogue risk.")

    @app.exception_handler(InputError)
    async def input_error(request: Request, err: InputError) -> JSONResponse:
        return JSONResponse(status_code=422, content={"detail": str(err), "error": type(err).__name__})

    @app.get("/health")
    def health() -> dict[str, Any]:
        monitor: RiskMonitor = app.state.monitor
        return {"status": "ok", "voc": voc.__version__, "steps": list(app.state.pipeline.steps),
                "open_dialogues": len(monitor)}

    @app.post("/sentiment")
    def sentiment(body: TextIn) -> dict[str, Any]:
        _check_length(body.text, "text")
        doc = app.state.pipeline.run(body.text, steps=("segment", "sentiment"))
        return {"text_norm": doc.text, **_sentiment(doc.sentiment)}

    @app.post("/analyze")
    def analyze(body: TextsIn) -> dict[str, Any]:
        texts = body.texts
        if len(texts) > MAX_BATCH:
            raise InputError(f"texts has {len(texts)} items, more than this service takes per call ({MAX_BATCH}); "
                             "send them in batches")
        for i, t in enumerate(texts):
            _check_length(t, f"texts[{i}]")
        try:
            docs = list(app.state.pipeline.pipe(texts, batch_size=256))
        except InputError as err:  # say which item it was
            bad = next((i for i, t in enumerate(texts) if not isinstance(t, str)), None)
            if bad is None:
                raise
            raise InputError(f"texts[{bad}]: {err}") from err
        return {"results": [_document(d) for d in docs]}

    @app.post("/dialogues/{dialogue_id}/turns")
    def add_turn(dialogue_id: str, body: TurnIn) -> dict[str, Any]:
        _check_length(body.text, "text")
        if not isinstance(body.text, str):
            raise InputError(f"text must be a str, got {type(body.text).__name__} ({body.text!r:.40}); "
                             "send the message text as a JSON string")
        turn = voc.Turn(str(body.role), body.text, _time(body.ts))  # unknown role → InputError → 422
        monitor: RiskMonitor = app.state.monitor
        new = monitor.feed(turn, dialogue_id=dialogue_id)
        rep = monitor.report(dialogue_id)
        return {"dialogue_id": dialogue_id, "new_flags": [_flag(f) for f in new],
                # level comes from the larger of score (the model's probability of a bad outcome)
                # and severity (the rules that fired): show both, so a "high" level is explained
                "score": round(rep.score, 4), "severity": round(rep.severity, 4), "level": rep.level,
                "categories": list(rep.categories)}

    @app.get("/dialogues/{dialogue_id}")
    def get_dialogue(dialogue_id: str) -> dict[str, Any]:
        monitor: RiskMonitor = app.state.monitor
        if dialogue_id not in monitor.dialogue_ids:
            raise HTTPException(404, f"no open dialogue {dialogue_id!r}; POST its turns to "
                                     f"/dialogues/{dialogue_id}/turns first")
        return _report(monitor.report(dialogue_id))

    @app.delete("/dialogues/{dialogue_id}")
    def close_dialogue(dialogue_id: str) -> dict[str, Any]:
        monitor: RiskMonitor = app.state.monitor
        if dialogue_id not in monitor.dialogue_ids:
            raise HTTPException(404, f"no open dialogue {dialogue_id!r}")
        return _report(monitor.close(dialogue_id))

    return app


def main(argv: list[str] | None = None) -> None:
    import uvicorn

    ap = argparse.ArgumentParser(description="Run the voc example HTTP service.")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8000)
    ap.add_argument("--log-level", default="info")
    args = ap.parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(levelname)s:     %(name)s: %(message)s")
    uvicorn.run(create_app(), host=args.host, port=args.port, log_level=args.log_level)


if __name__ == "__main__":
    main()
