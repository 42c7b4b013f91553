"""An independent check of Slack's Block Kit limits (SPEC Appendix B) and of
the safety rules of SPEC section 5, used by the black-box tests on every
message the relay produced."""
import json
import re

HOSTILE = re.compile(r"<(?:!|@|#|https?:|mailto:)")


def texts(obj, path="blocks"):
    """Yields (path, text object) for every text object in blocks."""
    if isinstance(obj, dict):
        if obj.get("type") in ("mrkdwn", "plain_text") and "text" in obj:
            yield path, obj
        for k, v in obj.items():
            yield from texts(v, f"{path}.{k}")
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from texts(v, f"{path}[{i}]")


def problems(text, blocks, allowed_mentions=()):
    """Returns a list of problems; empty when the message is fine: Slack's
    own checks (as the fake Slack makes them) plus ours: every mrkdwn object
    verbatim, no live markup from data, only http(s) links."""
    from fakeslack import validate_message
    out = []
    err, msgs, _ = validate_message({"text": text, "blocks": blocks})
    if err is not None:
        out.append(f"slack would answer {err}: {msgs}")
    if not isinstance(blocks, list):
        return out + ["blocks is not a list"]
    for b in blocks:
        for e in b.get("elements", []) if b.get("type") == "actions" else []:
            if "url" in e and not re.match(r"^https?://", e["url"]):
                out.append(f"non-http url {e['url']!r}")
    for path, t in texts(blocks):
        if t["type"] == "mrkdwn" and t.get("verbatim") is not True:
            out.append(f"{path}: mrkdwn without verbatim")
        out += live_markup(path, t["text"], allowed_mentions)
    return out + live_markup("text", text, allowed_mentions)


def live_markup(path, s, allowed):
    out = []
    for m in HOSTILE.finditer(s):
        rest = s[m.start():]
        if not any(rest.startswith(a) for a in allowed):
            out.append(f"{path}: live markup {rest[:40]!r}")
    return out
