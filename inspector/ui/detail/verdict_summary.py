"""The Summary tab's text: what happened to a delivery and why, in sentences.

Plain functions returning rich text (the subset QTextBrowser renders). No colours are set here:
the browser follows the palette, so the text reads on light and dark themes alike.
"""

from __future__ import annotations

import json
from html import escape

from inspector.core import events as ev
from inspector.core.events import StoredEvent

from .body_text import size_text

DUPLICATE_LINK_SCHEME = "seq"  # href "seq:12" -> DetailPanes.duplicateActivated(12)
EXTRA_CHARS = 300

_FLAG_SENTENCES: dict[str, str] = {
    ev.FLAG_UNAUTHORIZED: (
        "<b>Unauthorized:</b> the Authorization header was missing, repeated, or matched none of "
        "the known verification tokens, so we answered 401."
    ),
    ev.FLAG_UNVERIFIED: (
        "<b>Unverified:</b> no verification token was known when it arrived, so the "
        "Authorization header was not checked."
    ),
    ev.FLAG_INVALID_JSON: (
        "<b>Invalid JSON:</b> the body is not strict JSON (or not UTF-8, or nested too deeply), "
        "so we answered 400."
    ),
    ev.FLAG_NOT_ENVELOPE: (
        "<b>Not an envelope:</b> the JSON object lacks at least one of <code>event_id</code>, "
        "<code>event_identifier</code> and <code>data</code>, the provider's documented shape."
    ),
    ev.FLAG_DUPLICATE_KEYS: (
        "<b>Repeated key:</b> the JSON object names a key more than once; parsers keep the last "
        "value, so what you see may differ from what the sender meant."
    ),
    ev.FLAG_TOO_LARGE: "<b>Too large:</b> the body is over the size limit, so we answered 413.",
    ev.FLAG_UNSUPPORTED_MEDIA_TYPE: (
        "<b>Not JSON content:</b> the Content-Type is not application/json (or *+json), so we answered 415."
    ),
    ev.FLAG_METHOD_NOT_ALLOWED: (
        "<b>Wrong method:</b> only POST is a delivery, so we answered 405 with Allow: POST."
    ),
    ev.FLAG_RULE: "<b>Response rule:</b> our answer came from a response rule you set.",
    ev.FLAG_NEW_SHAPE: (
        "<b>New shape:</b> this delivery differs from what was learned of its event type before it:"
    ),
    ev.FLAG_SCHEMA_INVALID: (
        "<b>Schema invalid:</b> this delivery does not validate against the loaded schema of its type:"
    ),
    ev.FLAG_OUT_OF_ORDER: (
        "<b>Out of order:</b> an event that shares an id with this one arrived earlier although it "
        "says it happened later (see the Related tab)."
    ),
}


def is_rejected(event: StoredEvent) -> bool:
    return event.status >= 400 or bool(ev.REJECTED_FLAGS.intersection(event.flags))


def duplicate_href(seq: int) -> str:
    return f"{DUPLICATE_LINK_SCHEME}:{seq}"


def flag_sentences(event: StoredEvent) -> list[str]:
    """One rich-text sentence per verdict, in a stable order (rejections first)."""
    out: list[str] = []
    flags = list(event.flags)
    flags.sort(key=lambda f: (f not in ev.REJECTED_FLAGS, f))
    for flag in flags:
        if flag == ev.FLAG_DUPLICATE:
            out.append(duplicate_sentence(event))
        elif flag == ev.FLAG_TRUNCATED:
            out.append(
                f"<b>Body cut:</b> only the first {size_text(len(event.body))} of "
                f"{size_text(event.body_size)} were stored (rejected bodies keep 64 KiB)."
            )
        elif flag in (ev.FLAG_NEW_SHAPE, ev.FLAG_SCHEMA_INVALID):
            out.append(_FLAG_SENTENCES[flag] + shape_lines(event, flag))
        elif flag in _FLAG_SENTENCES:
            out.append(_FLAG_SENTENCES[flag])
        else:
            out.append(f"<b>Flag:</b> {escape(flag)}.")
    if event.duplicate_of is not None and ev.FLAG_DUPLICATE not in event.flags:
        out.append(duplicate_sentence(event))
    return out


def shape_lines(event: StoredEvent, flag: str) -> str:
    """The differences (or the validator's messages) of a new_shape (schema_invalid) delivery, a line each."""
    entry = event.extra.get(ev.EXTRA_SHAPE)
    entry = entry if isinstance(entry, dict) else {}
    if flag == ev.FLAG_NEW_SHAPE:
        lines = [str(d.get("text", "")) for d in entry.get("differences", []) if isinstance(d, dict)]
    else:
        lines = [str(p) for p in entry.get("schema_problems", [])]
    return "".join(f"<br>&nbsp;&nbsp;• <code>{escape(line)}</code>" for line in lines)


def new_field_marks(event: StoredEvent) -> dict[str, str]:
    """Learned-shape path -> note, for the fields of a new_shape delivery new for its type (and
    those whose type is): what the JSON tree marks."""
    entry = event.extra.get(ev.EXTRA_SHAPE)
    differences = entry.get("differences", []) if isinstance(entry, dict) else []
    kind_of = event.event_identifier or "this type"
    notes = {"new_field": f"new field for {kind_of}", "type_changed": f"a type new here for {kind_of}"}
    return {
        str(d["path"]): f"{notes[d['kind']]} ({d.get('text', '')})"
        for d in differences
        if isinstance(d, dict) and d.get("kind") in notes and "path" in d
    }


def duplicate_sentence(event: StoredEvent) -> str:
    if event.duplicate_of is None:
        return (
            "<b>Duplicate:</b> an earlier delivery carried the same <code>event_id</code> "
            "(it is no longer stored)."
        )
    n = event.duplicate_of
    return (
        f'<b>Duplicate of <a href="{duplicate_href(n)}">#{n}</a>:</b> the same '
        f"<code>event_id</code> was delivered before; the provider redelivers until it sees a 2xx."
    )


def token_sentence(event: StoredEvent) -> str:
    webhook_id = event.webhook_id or ""
    if webhook_id == "cli" or webhook_id.startswith("env:"):
        # Not a webhook: the verification token the listener was started with (--token-env NAME).
        name = webhook_id[4:] if webhook_id.startswith("env:") else ""
        where = f" from the environment variable <code>{escape(name)}</code>" if name else ""
        return (
            f"The Authorization token matched the verification token{where} given with "
            "<code>--token-env</code> (not a registered webhook's)."
        )
    if event.webhook_id:
        return f"The Authorization token matched the token of webhook <b>{escape(event.webhook_id)}</b>."
    return ""


def summary_html(event: StoredEvent) -> str:
    rejected = is_rejected(event)
    headline = (
        f"Rejected — we answered {event.status}" if rejected else (f"Accepted — we answered {event.status}")
    )
    parts: list[str] = [f"<h3>#{event.seq} · {escape(headline)}</h3>"]

    sentences: list[str] = []
    if event.error:
        sentences.append(f"We answered: “{escape(event.error)}”")
    sentences.extend(flag_sentences(event))
    token = token_sentence(event)
    if token:
        sentences.append(token)
    if not sentences and not rejected:
        sentences.append("Nothing to flag: a well-formed delivery, acknowledged.")
    parts.extend(f"<p>{s}</p>" for s in sentences)

    rows: list[tuple[str, str]] = [
        ("Received", event.received_at_iso),
        ("Request", f"{event.method} {event.path}" + (f"?{event.query}" if event.query else "")),
        ("Event type", event.event_identifier or "—"),
        ("Event id", event.event_id or "—"),
        ("Status", str(event.status)),
        ("Body", size_text(event.body_size)),
        ("Took", f"{event.duration_ms:.1f} ms"),
    ]
    if event.remote_addr:
        rows.append(("From", event.remote_addr))
    if event.webhook_id:
        rows.append(("Webhook", event.webhook_id))
    rows.extend(extra_rows({k: v for k, v in event.extra.items() if k != ev.EXTRA_SHAPE}))
    cells = "".join(f"<tr><td><b>{escape(k)}</b>&nbsp;&nbsp;</td><td>{escape(v)}</td></tr>" for k, v in rows)
    parts.append(f"<table cellspacing='2'>{cells}</table>")
    return "\n".join(parts)


def _attempt_text(record: dict[str, object]) -> str:
    """One forward or replay as a phrase: "http://x → 502 in 12 ms" or "http://x → no answer (refused)"."""
    url = str(record.get("url") or "?")
    status, error, latency = record.get("status"), record.get("error"), record.get("latency_ms")
    took = f" in {latency:.0f} ms" if isinstance(latency, int | float) else ""
    if error and not status:
        return f"{url} → no answer ({error})"
    answer = f"answered {status}{took}" if status else "sent"
    return f"{url} → {answer}" + (f" ({error})" if error else "")


def extra_rows(extra: dict[str, object]) -> list[tuple[str, str]]:
    """The summary rows of what was stored with the event later (forward, replays) in words."""
    rows: list[tuple[str, str]] = []
    for key, value in sorted(extra.items()):
        if key == "received_on" and isinstance(value, str):
            rows.append(("Received on", value))
        elif key in ("forward", "forwarded") and isinstance(value, dict):
            rows.append(("Forwarded", _attempt_text(value)))
        elif key == "replays" and isinstance(value, list):
            records = [r for r in value if isinstance(r, dict)]
            last = f"; last: {_attempt_text(records[-1])}" if records else ""
            rows.append(("Replays", f"{len(records)}{last}"))
        else:
            rows.append((key, _compact(value)))
    return rows


def _compact(value: object) -> str:
    try:
        text = json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError, RecursionError):
        text = repr(value)
    return text if len(text) <= EXTRA_CHARS else text[:EXTRA_CHARS] + "…"
