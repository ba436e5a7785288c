#!/usr/bin/env python3
"""Validates the chat wire-format fixtures (tests/fixtures/chat/) against the official
Python clients' own types: openai, anthropic, google-genai and ollama.

Setup (PyPI only):  python3 -m pip install -r scripts/chat_fixtures/requirements.txt
                    (pinned to the versions last checked; unpin to check against newer SDKs)
Run:                python3 scripts/chat_fixtures/validate.py [-v] [FIXTURE_DIR]

Prints one line per fixture, `OK` or `FAIL` with the problems, and exits 1 if any fixture
fails (2 if a fixture has no rule here). `-v` also prints notes: fields the SDK declares that
a fixture leaves out, wire fields the SDK does not model, and what each stream assembles to.

What "strict" means here:
- Every JSON document is validated with pydantic's strict JSON mode (`strict=True`, no type
  coercion such as "1" -> 1 or 1.0 -> 1).
- openai/anthropic models allow extra fields and ollama's ignore them, so extras would pass
  silently: every key of the fixture is walked against the validated model's fields and a key
  the SDK does not declare is a problem, unless it is listed in WIRE_ONLY (fields the real API
  sends that an SDK chose not to model, with the reason).
- google-genai forbids extras itself; its replies go through the SDK's own REST converter
  (`_GenerateContentResponse_from_mldev`, `_ListModelsResponse_from_mldev`), the path the
  client takes, and a key that converter silently drops is a problem too.
- SSE framing is checked by a strict reader (one `data:` line per event, events ended by one
  blank line, the line ending each API uses, `event:` equal to the data's `type` for
  Anthropic) and cross-checked with the SDK's own SSE decoder.
- Streams are also fed to the SDKs' own accumulators (openai ChatCompletionStreamState,
  anthropic accumulate_event) and the result must be a valid whole reply.
"""
from __future__ import annotations

import copy
import json
import re
import sys
from importlib import metadata
from pathlib import Path
from typing import Any, Callable, Iterable

try:
    import pydantic
    from pydantic import TypeAdapter, ValidationError

    import anthropic
    import anthropic.types as at
    import ollama
    import openai
    import openai.types as ot
    from anthropic._streaming import SSEDecoder as AnthropicSSEDecoder
    from anthropic.lib.streaming._messages import accumulate_event
    from google.genai import _common as genai_common
    from google.genai import errors as genai_errors
    from google.genai import models as genai_models
    from google.genai import types as gt
    from openai._streaming import SSEDecoder as OpenAISSEDecoder
    from openai.lib.streaming.chat import ChatCompletionStreamState
    from openai.types.chat import ChatCompletion, ChatCompletionChunk
except ImportError as e:  # pragma: no cover
    sys.exit(f"{e}\ninstall the SDKs first: python3 -m pip install -r "
             f"{Path(__file__).with_name('requirements.txt')}")

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DIR = ROOT / "tests" / "fixtures" / "chat"

# Wire fields that the real API sends but an SDK type does not declare: (sdk type name, key) -> why.
WIRE_ONLY: dict[tuple[str, str], str] = {
    # Ollama's /api/tags sends both `name` and `model` (docs/api.md, "List Local Models");
    # ollama-python models only `model`.
    ("Model", "name"): "ollama /api/tags sends `name` next to `model`; ollama-python models only `model`",
}

# google-genai's REST converters rename these wire keys (camelCase wire name -> SDK field).
GENAI_RENAMES = {"supportedGenerationMethods": "supported_actions"}


class Report:
    def __init__(self) -> None:
        self.problems: list[str] = []
        self.notes: list[str] = []

    def bad(self, msg: str) -> None:
        self.problems.append(msg)

    def note(self, msg: str) -> None:
        self.notes.append(msg)


# --------------------------------------------------------------------------- generic checks


def fmt_validation_error(e: ValidationError, limit: int = 6) -> str:
    parts = []
    for err in e.errors()[:limit]:
        loc = ".".join(str(x) for x in err["loc"]) or "<root>"
        parts.append(f"{loc}: {err['msg']} (input {json.dumps(err.get('input'), ensure_ascii=False)[:80]})")
    more = len(e.errors()) - limit
    if more > 0:
        parts.append(f"... and {more} more")
    return "; ".join(parts)


def field_map(model: pydantic.BaseModel) -> dict[str, str]:
    """Wire key -> field name for a model instance (aliases, and names where populate_by_name)."""
    cls = type(model)
    by_name = bool(cls.model_config.get("populate_by_name")) or bool(cls.model_config.get("validate_by_name"))
    out: dict[str, str] = {}
    for name, info in cls.model_fields.items():
        if info.alias:
            out[info.alias] = name
            if by_name:
                out[name] = name
        else:
            out[name] = name
    return out


def walk_unknown(obj: Any, raw: Any, path: str, rep: Report, renames: dict[str, str] | None = None) -> None:
    """Reports keys of `raw` that the validated `obj` does not declare, recursively."""
    if isinstance(obj, pydantic.BaseModel) and isinstance(raw, dict):
        fmap = field_map(obj)
        for key, value in raw.items():
            name = fmap.get(key) or (renames or {}).get(key)
            if name is None or name not in type(obj).model_fields:
                why = WIRE_ONLY.get((type(obj).__name__, key))
                if why:
                    rep.note(f"{path}.{key}: not in SDK type {type(obj).__name__} (allowed: {why})")
                else:
                    rep.bad(f"{path}.{key}: field unknown to SDK type {type(obj).__name__}")
                continue
            walk_unknown(getattr(obj, name), value, f"{path}.{key}", rep, renames)
    elif isinstance(obj, (list, tuple)) and isinstance(raw, list):
        for i, (o, r) in enumerate(zip(obj, raw)):
            walk_unknown(o, r, f"{path}[{i}]", rep, renames)
    # dicts typed as free-form JSON (tool inputs, function args) are not walked


def walk_missing(obj: Any, raw: Any, path: str, rep: Report, renames: dict[str, str] | None = None) -> None:
    """Notes fields the SDK type declares that the fixture leaves out (informational)."""
    if isinstance(obj, pydantic.BaseModel) and isinstance(raw, dict):
        fmap = field_map(obj)
        present = {fmap.get(k) or (renames or {}).get(k) for k in raw}
        missing = [
            (info.alias or name)
            for name, info in type(obj).model_fields.items()
            if name not in present and name != "sdk_http_response"
        ]
        if missing:
            rep.note(f"{path} ({type(obj).__name__}) lacks optional SDK fields: {', '.join(sorted(missing))}")
        for key, value in raw.items():
            name = fmap.get(key) or (renames or {}).get(key)
            if name in type(obj).model_fields:
                walk_missing(getattr(obj, name), value, f"{path}.{key}", rep, renames)
    elif isinstance(obj, (list, tuple)) and isinstance(raw, list):
        for i, (o, r) in enumerate(zip(obj, raw)):
            walk_missing(o, r, f"{path}[{i}]", rep, renames)


def validate(target: type[pydantic.BaseModel] | TypeAdapter, raw: Any, path: str, rep: Report,
             renames: dict[str, str] | None = None, walk_raw: Any = None) -> Any:
    """Strictly validates `raw` (parsed JSON) against an SDK type; reports unknown keys."""
    text = json.dumps(raw)
    try:
        if isinstance(target, TypeAdapter):
            obj = target.validate_json(text, strict=True)
        else:
            obj = target.model_validate_json(text, strict=True)
    except ValidationError as e:
        name = getattr(target, "__name__", None) or str(getattr(target, "_type", target))
        rep.bad(f"{path}: not a valid {name}: {fmt_validation_error(e)}")
        return None
    walk_unknown(obj, raw if walk_raw is None else walk_raw, path, rep, renames)
    walk_missing(obj, raw if walk_raw is None else walk_raw, path, rep, renames)
    return obj


def expect_keys(raw: Any, allowed: set[str], required: set[str], path: str, rep: Report) -> None:
    if not isinstance(raw, dict):
        rep.bad(f"{path}: expected a JSON object, got {type(raw).__name__}")
        return
    for k in sorted(set(raw) - allowed):
        rep.bad(f"{path}.{k}: unexpected key")
    for k in sorted(required - set(raw)):
        rep.bad(f"{path}.{k}: missing")


def load_json(text: str, path: str, rep: Report) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        rep.bad(f"{path}: not JSON: {e}")
        return None


# --------------------------------------------------------------------------- SSE framing


class SseEvent:
    def __init__(self, line: int) -> None:
        self.line = line
        self.event: str | None = None
        self.data_lines: list[str] = []

    @property
    def data(self) -> str:
        return "\n".join(self.data_lines)


def read_sse(body: bytes, eol: str, want_event_names: bool, rep: Report) -> list[SseEvent]:
    """A strict reader of the SSE body the real API sends (as opposed to all the spec allows)."""
    text = body.decode("utf-8")
    other = "\r\n" if eol == "\n" else "\n"
    if eol == "\n" and "\r" in text:
        rep.bad("SSE: has CR characters; this API ends lines with LF only")
    if eol == "\r\n" and re.search(r"(?<!\r)\n", text):
        rep.bad("SSE: has bare LF line endings; this API ends lines with CRLF")
    del other
    if not text.endswith(eol + eol):
        rep.bad("SSE: the last event is not ended by a blank line (would not be dispatched)")
    if text.endswith(eol * 3):
        rep.bad("SSE: extra blank line(s) at the end")
    lines = text.replace("\r\n", "\n").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    events: list[SseEvent] = []
    cur: SseEvent | None = None
    blank_run = 0
    for no, line in enumerate(lines, 1):
        if line == "":
            blank_run += 1
            if blank_run > 1:
                rep.bad(f"SSE line {no}: more than one blank line between events")
            if cur is not None:
                events.append(cur)
                cur = None
            continue
        blank_run = 0
        if cur is None:
            cur = SseEvent(no)
        if line.startswith(":"):
            rep.bad(f"SSE line {no}: comment line (this API sends none)")
            continue
        if ":" not in line:
            rep.bad(f"SSE line {no}: not a `field: value` line: {line[:60]!r}")
            continue
        field, value = line.split(":", 1)
        if not value.startswith(" "):
            rep.bad(f"SSE line {no}: no space after `{field}:` (the APIs send one)")
        value = value[1:] if value.startswith(" ") else value
        if field == "data":
            if cur.data_lines:
                rep.bad(f"SSE line {no}: a second `data:` line in one event (the APIs send one)")
            cur.data_lines.append(value)
        elif field == "event":
            if not want_event_names:
                rep.bad(f"SSE line {no}: `event:` line (this API sends data-only events)")
            if cur.event is not None or cur.data_lines:
                rep.bad(f"SSE line {no}: `event:` must come once, before `data:`")
            cur.event = value
        else:
            rep.bad(f"SSE line {no}: unexpected field `{field}`")
    if cur is not None:
        events.append(cur)
        rep.bad("SSE: the body ends inside an event")
    for ev in events:
        if not ev.data_lines:
            rep.bad(f"SSE event at line {ev.line}: no data")
        if want_event_names and ev.event is None:
            rep.bad(f"SSE event at line {ev.line}: no `event:` line (this API names every event)")
    return events


def cross_check_decoder(decoder_cls: Callable[[], Any], body: bytes, events: list[SseEvent], rep: Report) -> None:
    """The SDK's own SSE decoder must see the same events."""
    sdk = [(e.event, e.data) for e in decoder_cls().iter_bytes(iter([body]))]
    ours = [(e.event, e.data) for e in events]
    if sdk != ours:
        rep.bad(f"SSE: the SDK's decoder sees {len(sdk)} events, the strict reader {len(ours)} (or they differ)")


# --------------------------------------------------------------------------- OpenAI


def openai_error(raw: Any, rep: Report) -> None:
    expect_keys(raw, {"error"}, {"error"}, "$", rep)
    err = raw.get("error") if isinstance(raw, dict) else None
    expect_keys(err, {"message", "type", "param", "code"}, {"message", "type", "param", "code"}, "$.error", rep)
    if isinstance(err, dict):
        validate(ot.ErrorObject, err, "$.error", rep)


def openai_reply(raw: Any, rep: Report) -> None:
    cc = validate(ChatCompletion, raw, "$", rep)
    if cc is not None:
        for ch in cc.choices:
            for call in ch.message.tool_calls or []:
                try:
                    json.loads(call.function.arguments)
                except json.JSONDecodeError:
                    rep.bad(f"tool call {call.id}: arguments are not JSON")


def openai_models(raw: Any, rep: Report) -> None:
    expect_keys(raw, {"object", "data"}, {"object", "data"}, "$", rep)
    if isinstance(raw, dict):
        if raw.get("object") != "list":
            rep.bad("$.object: must be \"list\"")
        for i, m in enumerate(raw.get("data") or []):
            validate(ot.Model, m, f"$.data[{i}]", rep)


def openai_stream(body: bytes, name: str, rep: Report) -> None:
    events = read_sse(body, "\n", False, rep)
    cross_check_decoder(OpenAISSEDecoder, body, events, rep)
    truncated = "truncated" in name
    done = [i for i, e in enumerate(events) if e.data == "[DONE]"]
    if truncated:
        if done:
            rep.bad("a truncated stream must not end with [DONE]")
    elif done != [len(events) - 1]:
        rep.bad("a complete stream ends with exactly one `data: [DONE]`, as the last event")
    state = ChatCompletionStreamState()
    ids = set()
    chunks = []
    for i, ev in enumerate(events):
        if ev.data == "[DONE]":
            continue
        raw = load_json(ev.data, f"event {i}", rep)
        if raw is None:
            continue
        chunk = validate(ChatCompletionChunk, raw, f"event {i}", rep)
        if chunk is None:
            continue
        chunks.append(chunk)
        ids.add((chunk.id, chunk.created, chunk.model))
        try:
            list(state.handle_chunk(chunk))
        except Exception as e:  # the SDK's accumulator rejects the sequence
            rep.bad(f"event {i}: the SDK's ChatCompletionStreamState rejects it: {e!r}")
    if len(ids) > 1:
        rep.bad(f"chunks disagree on id/created/model: {sorted(ids)}")
    if chunks and not truncated:
        if chunks[-1].usage is None or chunks[-1].choices:
            rep.bad("with include_usage the last chunk has `choices: []` and the usage")
        for c in chunks[:-1]:
            if c.usage is not None:
                rep.bad("only the last chunk carries usage")
        try:
            final = state.get_final_completion()
            msg = final.choices[0].message
            calls = [(c.id, c.function.name, json.loads(c.function.arguments)) for c in msg.tool_calls or []]
            rep.note(f"assembled: text={msg.content!r} tool_calls={calls} "
                     f"finish={final.choices[0].finish_reason} usage={final.usage and final.usage.model_dump(exclude_none=True)}")
            validate(ChatCompletion, json.loads(final.model_dump_json(exclude_none=True)), "assembled", Report())
        except Exception as e:
            rep.bad(f"the SDK cannot assemble the stream: {e!r}")


# --------------------------------------------------------------------------- Anthropic

ANTHROPIC_EVENT = TypeAdapter(at.RawMessageStreamEvent)


def anthropic_error(raw: Any, rep: Report) -> None:
    validate(at.ErrorResponse, raw, "$", rep)


def anthropic_reply(raw: Any, rep: Report) -> None:
    validate(at.Message, raw, "$", rep)


def anthropic_models(raw: Any, rep: Report) -> None:
    expect_keys(raw, {"data", "has_more", "first_id", "last_id"}, {"data", "has_more", "first_id", "last_id"}, "$", rep)
    if not isinstance(raw, dict):
        return
    page = anthropic.pagination.SyncPage[at.ModelInfo]
    try:
        page.model_validate_json(json.dumps(raw), strict=True)
    except ValidationError as e:
        rep.bad(f"$: not a valid SyncPage[ModelInfo]: {fmt_validation_error(e)}")
    data = raw.get("data") or []
    for i, m in enumerate(data):
        validate(at.ModelInfo, m, f"$.data[{i}]", rep)
    if data and (raw.get("first_id") != data[0].get("id") or raw.get("last_id") != data[-1].get("id")):
        rep.bad("$.first_id/last_id must be the ids of the first and last model")


def anthropic_stream(body: bytes, name: str, rep: Report) -> None:
    events = read_sse(body, "\n", True, rep)
    cross_check_decoder(AnthropicSSEDecoder, body, events, rep)
    snapshot = None
    json_bufs: dict[int, bytes] = {}
    kinds = []
    open_blocks: set[int] = set()
    next_index = 0
    for i, ev in enumerate(events):
        raw = load_json(ev.data, f"event {i}", rep)
        if not isinstance(raw, dict):
            continue
        kind = raw.get("type")
        kinds.append(kind)
        if ev.event != kind:
            rep.bad(f"event {i}: SSE name `{ev.event}` but data type `{kind}`")
        if kind == "ping":
            expect_keys(raw, {"type"}, {"type"}, f"event {i}", rep)
            continue
        if kind == "error":
            validate(at.ErrorResponse, raw, f"event {i}", rep)
            continue
        obj = validate(ANTHROPIC_EVENT, raw, f"event {i}", rep)
        if obj is None:
            continue
        if kind == "content_block_start":
            if obj.index != next_index:
                rep.bad(f"event {i}: block index {obj.index}, expected {next_index}")
            open_blocks.add(obj.index)
            next_index += 1
        elif kind == "content_block_delta" and obj.index not in open_blocks:
            rep.bad(f"event {i}: delta for block {obj.index}, which is not open")
        elif kind == "content_block_stop":
            if obj.index not in open_blocks:
                rep.bad(f"event {i}: stop for block {obj.index}, which is not open")
            open_blocks.discard(obj.index)
        try:
            snapshot = accumulate_event(event=obj, current_snapshot=snapshot, json_bufs=json_bufs)
        except Exception as e:
            rep.bad(f"event {i}: the SDK's accumulate_event rejects it: {e!r}")
    if not kinds or kinds[0] != "message_start":
        rep.bad("the stream must start with message_start")
    complete = "truncated" not in name and "error" not in kinds
    if complete:
        if kinds[-2:] != ["message_delta", "message_stop"]:
            rep.bad("a complete stream ends with message_delta, message_stop")
        if open_blocks:
            rep.bad(f"blocks left open: {sorted(open_blocks)}")
    else:
        if "message_stop" in kinds:
            rep.bad("a truncated/failed stream must not have message_stop")
        if "error" in kinds and kinds[-1] != "error":
            rep.bad("nothing follows an error event")
    if snapshot is not None:
        blocks = [b.model_dump(exclude_none=True) for b in snapshot.content]
        rep.note(f"assembled: content={blocks} stop={snapshot.stop_reason} usage={snapshot.usage.model_dump(exclude_none=True)}")
        if complete:
            validate(at.Message, json.loads(snapshot.model_dump_json(exclude={"content": {"__all__": {"parsed_output"}}})),
                     "assembled", rep)


# --------------------------------------------------------------------------- Gemini


def genai_snake_keys(raw: Any, path: str, rep: Report) -> None:
    """Gemini's REST JSON is camelCase; a snake_case key means it was written in SDK style."""
    if isinstance(raw, dict):
        for k, v in raw.items():
            if "_" in k and not k.startswith("@") and path.split(".")[-1] not in ("args", "response"):
                rep.bad(f"{path}.{k}: snake_case key; Gemini's REST JSON is camelCase")
            genai_snake_keys(v, f"{path}.{k}", rep)
    elif isinstance(raw, list):
        for i, v in enumerate(raw):
            genai_snake_keys(v, f"{path}[{i}]", rep)


def genai_dropped(converter: Callable[..., dict], raw: dict, path: str, rep: Report) -> None:
    """Keys the SDK's REST converter drops silently (it reads only the keys it knows)."""
    for k, v in raw.items():
        out = converter({k: v})
        # _Model_from_mldev copies the whole object into tuned_model_info (`_self`), which the
        # SDK then prunes to TunedModelInfo's fields: that copy alone does not count as reading k.
        if out == {} or out == {"tuned_model_info": {k: v}}:
            rep.bad(f"{path}.{k}: dropped by the SDK's converter {converter.__name__} (unknown to the SDK)")


def gemini_response(raw: Any, path: str, rep: Report) -> Any:
    if not isinstance(raw, dict):
        rep.bad(f"{path}: expected a JSON object")
        return None
    genai_snake_keys(raw, path, rep)
    genai_dropped(genai_models._GenerateContentResponse_from_mldev, raw, path, rep)
    for i, c in enumerate(raw.get("candidates") or []):
        genai_dropped(genai_models._Candidate_from_mldev, c, f"{path}.candidates[{i}]", rep)
    converted = genai_models._GenerateContentResponse_from_mldev(copy.deepcopy(raw))
    # No _remove_extra_fields: GenerateContentResponse forbids extras, so unknown nested keys fail.
    obj = validate(gt.GenerateContentResponse, converted, path, rep)
    # The raw camelCase JSON must also validate directly through the SDK's aliases.
    direct = Report()
    validate(gt.GenerateContentResponse, raw, path, direct)
    for p in direct.problems:
        rep.bad(f"(camelCase aliases) {p}")
    return obj


def gemini_reply(raw: Any, rep: Report) -> None:
    obj = gemini_response(raw, "$", rep)
    if obj is not None:
        calls = [(fc.name, fc.args) for fc in obj.function_calls or []]
        rep.note(f"reads as: text={obj.text if obj.candidates and any(p.text for p in obj.candidates[0].content.parts or []) else None!r} "
                 f"function_calls={calls} usage={obj.usage_metadata.model_dump(exclude_none=True) if obj.usage_metadata else None}")


def gemini_models(raw: Any, rep: Report) -> None:
    if not isinstance(raw, dict):
        rep.bad("$: expected a JSON object")
        return
    genai_snake_keys(raw, "$", rep)
    expect_keys(raw, {"models", "nextPageToken"}, {"models"}, "$", rep)
    converted = genai_models._ListModelsResponse_from_mldev(copy.deepcopy(raw))
    # As the SDK does (_from_response -> _remove_extra_fields), prune the `_self` copy of each
    # model in tuned_model_info to TunedModelInfo's fields; everything else stays strict.
    for m in converted.get("models") or []:
        if isinstance(m.get("tuned_model_info"), dict):
            genai_common._remove_extra_fields(gt.TunedModelInfo, m["tuned_model_info"])
            if not m["tuned_model_info"]:
                del m["tuned_model_info"]
    for i, m in enumerate(raw.get("models") or []):
        genai_dropped(genai_models._Model_from_mldev, m, f"$.models[{i}]", rep)
    validate(gt.ListModelsResponse, converted, "$", rep, renames=GENAI_RENAMES,
             walk_raw={"models": raw.get("models")})
    for i, m in enumerate(raw.get("models") or []):
        if not str(m.get("name", "")).startswith("models/"):
            rep.bad(f"$.models[{i}].name: Gemini model names are `models/...`")


def gemini_error(raw: Any, rep: Report) -> None:
    expect_keys(raw, {"error"}, {"error"}, "$", rep)
    err = raw.get("error") if isinstance(raw, dict) else None
    expect_keys(err, {"code", "message", "status", "details"}, {"code", "message", "status"}, "$.error", rep)
    if not isinstance(err, dict):
        return
    if not isinstance(err.get("code"), int) or not isinstance(err.get("message"), str) or not isinstance(err.get("status"), str):
        rep.bad("$.error: code must be a number, message and status strings")
    if not re.fullmatch(r"[A-Z_]+", str(err.get("status"))):
        rep.bad("$.error.status: a google.rpc.Code name such as INVALID_ARGUMENT")
    for i, d in enumerate(err.get("details") or []):
        if not isinstance(d, dict) or not str(d.get("@type", "")).startswith("type.googleapis.com/"):
            rep.bad(f"$.error.details[{i}]: each detail has an `@type` of type.googleapis.com/...")
    # The SDK's own error parsing must pick out the same fields.
    e = genai_errors.APIError(err.get("code", 0), raw)
    if (e.code, e.message, e.status) != (err.get("code"), err.get("message"), err.get("status")):
        rep.bad(f"google.genai.errors.APIError reads it as {(e.code, e.message, e.status)}")


def gemini_stream(body: bytes, name: str, rep: Report) -> None:
    events = read_sse(body, "\r\n", False, rep)
    cross_check_decoder(OpenAISSEDecoder, body, events, rep)
    text = []
    last = None
    for i, ev in enumerate(events):
        raw = load_json(ev.data, f"event {i}", rep)
        if raw is None:
            continue
        obj = gemini_response(raw, f"event {i}", rep)
        if obj is None:
            continue
        last = obj
        for c in obj.candidates or []:
            text += [p.text for p in (c.content.parts if c.content else None) or [] if p.text]
    truncated = "truncated" in name
    finished = last is not None and last.candidates and last.candidates[0].finish_reason is not None
    if truncated and finished:
        rep.bad("a truncated stream must not carry a finishReason")
    if not truncated and not finished:
        rep.bad("a complete stream ends with a finishReason")
    rep.note(f"assembled: text={''.join(text)!r} usage="
             f"{last.usage_metadata.model_dump(exclude_none=True) if last is not None and last.usage_metadata else None}")


# --------------------------------------------------------------------------- Ollama


def ollama_error(raw: Any, rep: Report) -> None:
    expect_keys(raw, {"error"}, {"error"}, "$", rep)
    if isinstance(raw, dict) and not isinstance(raw.get("error"), str):
        rep.bad("$.error: must be a string")
    e = ollama.ResponseError(json.dumps(raw), 404)
    if e.error != raw.get("error"):
        rep.bad(f"ollama.ResponseError reads it as {e.error!r}")


def ollama_reply(raw: Any, rep: Report) -> None:
    obj = validate(ollama.ChatResponse, raw, "$", rep)
    if obj is not None and obj.done is not True:
        rep.bad("$.done: a whole (stream=false) reply has done=true")


def ollama_models(raw: Any, rep: Report) -> None:
    validate(ollama.ListResponse, raw, "$", rep)


def ollama_stream(body: bytes, name: str, rep: Report) -> None:
    text = body.decode("utf-8")
    if "\r" in text:
        rep.bad("NDJSON: CR characters (Ollama ends lines with LF)")
    if not text.endswith("\n"):
        rep.bad("NDJSON: the last line has no newline")
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    kinds = []
    for i, line in enumerate(lines, 1):
        if not line.strip():
            rep.bad(f"NDJSON line {i}: empty line (Ollama sends none)")
            continue
        raw = load_json(line, f"line {i}", rep)
        if raw is None:
            continue
        if isinstance(raw, dict) and "error" in raw:
            ollama_error(raw, rep)
            kinds.append("error")
            continue
        obj = validate(ollama.ChatResponse, raw, f"line {i}", rep)
        kinds.append("done" if obj is not None and obj.done else "part")
    if "error" in kinds and kinds[-1] != "error":
        rep.bad("nothing follows an error line")
    if "truncated" in name or "error" in name:
        if "done" in kinds:
            rep.bad("a truncated/failed stream must not have a done=true line")
    elif kinds.count("done") != 1 or kinds[-1] != "done":
        rep.bad("a complete stream ends with exactly one done=true line")


# --------------------------------------------------------------------------- driver

JSON_RULES: list[tuple[str, Callable[[Any, Report], None]]] = [
    (r"openai_error_.*\.json", openai_error),
    (r"openai_reply_.*\.json", openai_reply),
    (r"openai_models\.json", openai_models),
    (r"anthropic_error_.*\.json", anthropic_error),
    (r"anthropic_reply_.*\.json", anthropic_reply),
    (r"anthropic_models\.json", anthropic_models),
    (r"gemini_error_.*\.json", gemini_error),
    (r"gemini_reply_.*\.json", gemini_reply),
    (r"gemini_models\.json", gemini_models),
    (r"ollama_error_.*\.json", ollama_error),
    (r"ollama_reply_.*\.json", ollama_reply),
    (r"ollama_models\.json", ollama_models),
]
STREAM_RULES: list[tuple[str, Callable[[bytes, str, Report], None]]] = [
    (r"openai_stream_.*\.sse", openai_stream),
    (r"anthropic_stream_.*\.sse", anthropic_stream),
    (r"gemini_stream_.*\.sse", gemini_stream),
    (r"ollama_stream_.*\.ndjson", ollama_stream),
]


def check_file(path: Path) -> Report | None:
    rep = Report()
    body = path.read_bytes()
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as e:
        rep.bad(f"not UTF-8: {e}")
        return rep
    if text.startswith("\ufeff"):
        rep.bad("starts with a byte-order mark")
    for pattern, fn in STREAM_RULES:
        if re.fullmatch(pattern, path.name):
            fn(body, path.name, rep)
            return rep
    for pattern, fn in JSON_RULES:
        if re.fullmatch(pattern, path.name):
            raw = load_json(text, "$", rep)
            if raw is not None:
                fn(raw, rep)
            return rep
    return None


def versions() -> str:
    names = ["openai", "anthropic", "google-genai", "ollama", "pydantic"]
    return ", ".join(f"{n} {metadata.version(n)}" for n in names) + f", python {sys.version.split()[0]}"


def main(argv: list[str]) -> int:
    verbose = "-v" in argv
    args = [a for a in argv if a != "-v"]
    folder = Path(args[0]) if args else DEFAULT_DIR
    print(f"SDKs: {versions()}")
    failed = unknown = 0
    files = sorted(p for p in folder.iterdir() if p.is_file())
    for path in files:
        rep = check_file(path)
        if rep is None:
            print(f"????  {path.name}: no rule for this file name")
            unknown += 1
            continue
        if rep.problems:
            failed += 1
            print(f"FAIL  {path.name}")
            for p in rep.problems:
                print(f"        - {p}")
        else:
            print(f"OK    {path.name}")
        if verbose:
            # The same note for every event of a stream is printed once, with a count.
            grouped: dict[str, int] = {}
            for n in rep.notes:
                key = re.sub(r"^(event|line) \d+", r"\1 *", n)
                grouped[key] = grouped.get(key, 0) + 1
            for n, count in grouped.items():
                print(f"        note: {n}" + (f"  (x{count})" if count > 1 else ""))
    print(f"fixtures: {len(files) - failed - unknown} ok, {failed} failing, {unknown} without a rule")
    return 1 if failed else (2 if unknown else 0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
