"""A scriptable fake Slack for the black-box tests of alert-delivery.

FakeSlack runs a threaded HTTP server on loopback in a background thread and
plays the three Slack surfaces the relay talks to (SPEC sections 9, 10 and
Appendix B; ../shared/notes/slack.md):

  * the Web API under ``/api`` (``chat.postMessage``, ``chat.update``,
    ``auth.test``): JSON or form bodies, Bearer token, Slack's error codes
    and Block Kit limits, so rendering bugs in the relay show up;
  * incoming webhooks at ``/hooks/<anything>``: plain-text ``ok`` / 4xx;
  * ``response_url`` at ``/actions/<anything>``: JSON bodies are recorded and
    ``replace_original`` / ``delete_original`` act on the stored message.

Every request is recorded (``calls()``), posted messages are kept with their
current state (``messages()``), and faults can be scripted while it runs
(``fail_next``, ``stall_next``, ``reset_next``, ``rate_limit``, ``down``...).

    with FakeSlack(token="xoxb-t") as slack:
        relay = start_relay({"slack": {"api_url": slack.api_url, "bot_token": "xoxb-t"}})
        slack.fail_next("chat.postMessage", status=429, headers={"Retry-After": "2"})
        slack.wait_for(lambda: slack.messages("#alerts"))

Python 3.11 standard library only. Also runnable for manual use:
``python3 tests/blackbox/fakeslack.py --port 8099 --token xoxb-t``.
"""
import argparse
import collections
import copy
import dataclasses
import json
import re
import socket
import struct
import sys
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socketserver import TCPServer
from urllib.parse import parse_qs, urlsplit

DEFAULT_TOKEN = "xoxb-fake-token"
TEAM_ID = "T0FAKE"
TEAM_NAME = "Fake Workspace"
BOT_USER_ID = "U0FAKEBOT"
BOT_ID = "B0FAKEBOT"
BOT_NAME = "alert-delivery"
TS_BASE = 1700000000                 # first ts is 1700000001.000100

# Names under which calls are recorded and faults are scripted, besides the
# Web API method names ("chat.postMessage", "chat.update", "auth.test").
WEBHOOK = "webhook"                   # POST /hooks/<anything>
RESPONSE_URL = "response_url"         # POST /actions/<anything>
ANY = "*"                             # a fault for any method
DEFAULT_HOOK_CHANNEL = "C0WEBHOOK"    # where posts to unregistered hooks land

# Limits (SPEC Appendix B, notes/slack.md section 4).
MAX_TEXT = 4000
MAX_MARKDOWN_TEXT = 12000
MAX_BLOCKS = 50
MAX_BLOCKS_CHARS = 12000
MAX_BLOCK_ID = 255
MAX_ERRORS_REPORTED = 20

TEXT_TYPES = ("plain_text", "mrkdwn")
PLAIN = ("plain_text",)
BUTTON_STYLES = ("primary", "danger")
BOOL_FIELDS = ("link_names", "reply_broadcast", "unfurl_links", "unfurl_media",
               "mrkdwn", "as_user", "replace_original", "delete_original")
INTERACTIVE_ELEMENTS = frozenset((
    "button", "overflow", "static_select", "external_select", "users_select",
    "conversations_select", "channels_select", "multi_static_select",
    "multi_external_select", "multi_users_select", "multi_conversations_select",
    "multi_channels_select", "datepicker", "timepicker", "datetimepicker",
    "checkboxes", "radio_buttons", "workflow_button"))
SECTION_ACCESSORIES = INTERACTIVE_ELEMENTS | {"image"}
DEFAULT_ERRORS = {429: "ratelimited", 500: "internal_error",
                  502: "internal_error", 503: "service_unavailable",
                  504: "request_timeout"}
PARTIAL_HEADERS = b"HTTP/1.1 200 OK\r\nContent-Type: applic"
CHANNEL_ID_RE = re.compile(r"^[CGD][A-Z0-9]{2,}$")


# --------------------------------------------------------------------------
# Block Kit validation: pure functions that append Slack-style lines
# "[ERROR] <what> [json-pointer:/blocks/0/text/text]" to a list.
# --------------------------------------------------------------------------

def _err(errs, what, ptr):
    """Append one Slack-style validation message."""
    errs.append(f"[ERROR] {what} [json-pointer:{ptr}]")


def _is_object(value, ptr, errs):
    """True when value is a JSON object; records an error otherwise."""
    if isinstance(value, dict):
        return True
    _err(errs, "must provide an object", ptr)
    return False


def _check_string(value, ptr, errs, max_len, min_len=0):
    """A string of min_len..max_len characters (code points)."""
    if not isinstance(value, str):
        _err(errs, "must provide a string", ptr)
    elif len(value) > max_len:
        _err(errs, f"must be less than {max_len + 1} characters", ptr)
    elif len(value) < min_len:
        _err(errs, f"must be more than {min_len - 1} characters", ptr)


def _check_bool(value, ptr, errs):
    """A JSON boolean."""
    if not isinstance(value, bool):
        _err(errs, "must provide a boolean", ptr)


def _check_field(obj, key, ptr, errs, check, required=False, **kw):
    """Run check(obj[key], ptr/key, errs, **kw); a missing key is an error
    only when required."""
    if key in obj:
        check(obj[key], f"{ptr}/{key}", errs, **kw)
    elif required:
        _err(errs, f"missing required field: {key}", ptr)


def _check_list(value, ptr, errs, max_items, min_items=1):
    """An array of min_items..max_items; returns it (or [] when not an array)
    so that its items can still be checked."""
    if not isinstance(value, list):
        _err(errs, "must provide an array", ptr)
        return []
    if len(value) > max_items:
        _err(errs, f"no more than {max_items} items allowed", ptr)
    elif len(value) < min_items:
        _err(errs, f"must provide at least {min_items} items", ptr)
    return value


def _check_text_object(value, ptr, errs, max_len=3000, kinds=TEXT_TYPES):
    """A text object: {"type": plain_text|mrkdwn, "text": 1..max_len}."""
    if not _is_object(value, ptr, errs):
        return
    if value.get("type") not in kinds:
        _err(errs, f"must be one of [{', '.join(kinds)}]", f"{ptr}/type")
    _check_field(value, "text", ptr, errs, _check_string, True,
                 max_len=max_len, min_len=1)
    _check_field(value, "emoji", ptr, errs, _check_bool)
    _check_field(value, "verbatim", ptr, errs, _check_bool)


def _check_confirm(value, ptr, errs):
    """A confirmation dialog object."""
    if not _is_object(value, ptr, errs):
        return
    _check_field(value, "title", ptr, errs, _check_text_object, True, max_len=100, kinds=PLAIN)
    _check_field(value, "text", ptr, errs, _check_text_object, True, max_len=300)
    _check_field(value, "confirm", ptr, errs, _check_text_object, True, max_len=30, kinds=PLAIN)
    _check_field(value, "deny", ptr, errs, _check_text_object, True, max_len=30, kinds=PLAIN)
    _check_style(value, ptr, errs)


def _check_style(obj, ptr, errs):
    """Optional "style": primary|danger."""
    if "style" in obj and obj["style"] not in BUTTON_STYLES:
        _err(errs, "must be one of [primary, danger]", f"{ptr}/style")


def _check_action_id(obj, ptr, errs):
    """Optional action_id of 1..255 characters."""
    _check_field(obj, "action_id", ptr, errs, _check_string, max_len=255, min_len=1)


def _check_option(value, ptr, errs):
    """An option object (text and value at most 75 characters)."""
    if not _is_object(value, ptr, errs):
        return
    _check_field(value, "text", ptr, errs, _check_text_object, True, max_len=75)
    _check_field(value, "value", ptr, errs, _check_string, True, max_len=75, min_len=1)
    _check_field(value, "description", ptr, errs, _check_text_object, max_len=75, kinds=PLAIN)
    _check_field(value, "url", ptr, errs, _check_string, max_len=3000, min_len=1)


def _check_options(value, ptr, errs, max_items, min_items=1):
    """An array of option objects."""
    for i, opt in enumerate(_check_list(value, ptr, errs, max_items, min_items)):
        _check_option(opt, f"{ptr}/{i}", errs)


def _check_button(el, ptr, errs):
    """A button element."""
    _check_field(el, "text", ptr, errs, _check_text_object, True, max_len=75, kinds=PLAIN)
    _check_action_id(el, ptr, errs)
    _check_field(el, "value", ptr, errs, _check_string, max_len=2000)
    _check_field(el, "url", ptr, errs, _check_string, max_len=3000, min_len=1)
    _check_field(el, "accessibility_label", ptr, errs, _check_string, max_len=75, min_len=1)
    _check_field(el, "confirm", ptr, errs, _check_confirm)
    _check_style(el, ptr, errs)


def _check_overflow(el, ptr, errs):
    """An overflow menu: 2..5 options."""
    _check_action_id(el, ptr, errs)
    _check_field(el, "options", ptr, errs, _check_options, True, max_items=5, min_items=2)
    _check_field(el, "confirm", ptr, errs, _check_confirm)


def _check_option_groups(value, ptr, errs):
    """option_groups of a select: label ≤75, options ≤100 each."""
    for i, group in enumerate(_check_list(value, ptr, errs, 100)):
        gptr = f"{ptr}/{i}"
        if _is_object(group, gptr, errs):
            _check_field(group, "label", gptr, errs, _check_text_object, True, max_len=75, kinds=PLAIN)
            _check_field(group, "options", gptr, errs, _check_options, True, max_items=100)


def _check_static_select(el, ptr, errs):
    """A static_select: options or option_groups (exactly one)."""
    _check_action_id(el, ptr, errs)
    _check_field(el, "placeholder", ptr, errs, _check_text_object, max_len=150, kinds=PLAIN)
    has_options, has_groups = "options" in el, "option_groups" in el
    if has_options == has_groups:
        _err(errs, "must provide exactly one of options or option_groups", ptr)
    _check_field(el, "options", ptr, errs, _check_options, max_items=100)
    _check_field(el, "option_groups", ptr, errs, _check_option_groups)
    _check_field(el, "initial_option", ptr, errs, _check_option)
    _check_field(el, "confirm", ptr, errs, _check_confirm)


def _check_image_source(obj, ptr, errs):
    """image_url (≤3000) or slack_file, and alt_text (≤2000)."""
    if "image_url" not in obj and "slack_file" not in obj:
        _err(errs, "missing required field: image_url", ptr)
    _check_field(obj, "image_url", ptr, errs, _check_string, max_len=3000, min_len=1)
    _check_field(obj, "alt_text", ptr, errs, _check_string, True, max_len=2000, min_len=1)


ELEMENT_CHECKS = {
    "button": _check_button,
    "overflow": _check_overflow,
    "static_select": _check_static_select,
    "image": _check_image_source,
}


def _check_element(el, ptr, errs, allowed):
    """A block element whose type must be in allowed."""
    if not _is_object(el, ptr, errs):
        return
    kind = el.get("type")
    if kind not in allowed:
        _err(errs, f"unsupported type: {kind}", f"{ptr}/type")
        return
    check = ELEMENT_CHECKS.get(kind)
    if check:
        check(el, ptr, errs)
    else:
        _check_action_id(el, ptr, errs)


def _check_header(block, ptr, errs):
    """header: plain_text ≤150."""
    _check_field(block, "text", ptr, errs, _check_text_object, True, max_len=150, kinds=PLAIN)


def _check_section(block, ptr, errs):
    """section: text 1..3000 and/or ≤10 fields of ≤2000, one accessory."""
    if "text" not in block and "fields" not in block:
        _err(errs, "must provide either text or fields", ptr)
    _check_field(block, "text", ptr, errs, _check_text_object, max_len=3000)
    if "fields" in block:
        fptr = f"{ptr}/fields"
        for i, field in enumerate(_check_list(block["fields"], fptr, errs, 10)):
            _check_text_object(field, f"{fptr}/{i}", errs, max_len=2000)
    if "accessory" in block:
        _check_element(block["accessory"], f"{ptr}/accessory", errs, SECTION_ACCESSORIES)


def _check_divider(block, ptr, errs):
    """divider: nothing besides type and block_id."""


def _check_context(block, ptr, errs):
    """context: 1..10 elements, text objects or images."""
    eptr = f"{ptr}/elements"
    if "elements" not in block:
        _err(errs, "missing required field: elements", ptr)
        return
    for i, el in enumerate(_check_list(block["elements"], eptr, errs, 10)):
        iptr = f"{eptr}/{i}"
        if isinstance(el, dict) and el.get("type") in TEXT_TYPES:
            _check_text_object(el, iptr, errs)
        else:
            _check_element(el, iptr, errs, {"image"})


def _check_actions(block, ptr, errs):
    """actions: 1..25 interactive elements, action_id unique in the block."""
    eptr = f"{ptr}/elements"
    if "elements" not in block:
        _err(errs, "missing required field: elements", ptr)
        return
    seen = set()
    for i, el in enumerate(_check_list(block["elements"], eptr, errs, 25)):
        _check_element(el, f"{eptr}/{i}", errs, INTERACTIVE_ELEMENTS)
        action_id = el.get("action_id") if isinstance(el, dict) else None
        if isinstance(action_id, str):
            if action_id in seen:
                _err(errs, f"duplicate action_id: {action_id}", f"{eptr}/{i}/action_id")
            seen.add(action_id)


def _check_image_block(block, ptr, errs):
    """image block: image_url/slack_file, alt_text, optional title."""
    _check_image_source(block, ptr, errs)
    _check_field(block, "title", ptr, errs, _check_text_object, max_len=2000, kinds=PLAIN)


def _check_rich_text(block, ptr, errs):
    """rich_text: a non-empty elements array (contents not checked)."""
    _check_field(block, "elements", ptr, errs, _check_list, True, max_items=1000)


def _check_markdown(block, ptr, errs):
    """markdown block: text 1..12000."""
    _check_field(block, "text", ptr, errs, _check_string, True,
                 max_len=MAX_MARKDOWN_TEXT, min_len=1)


BLOCK_CHECKS = {
    "header": _check_header,
    "section": _check_section,
    "divider": _check_divider,
    "context": _check_context,
    "actions": _check_actions,
    "image": _check_image_block,
    "rich_text": _check_rich_text,
    "markdown": _check_markdown,
}


def validate_blocks(blocks):
    """Structural Block Kit check; returns a list of error lines (empty: ok)."""
    errs = []
    if not isinstance(blocks, list):
        _err(errs, "must provide an array", "/blocks")
        return errs
    if len(blocks) > MAX_BLOCKS:
        _err(errs, f"no more than {MAX_BLOCKS} items allowed", "/blocks")
    block_ids = set()
    for i, block in enumerate(blocks):
        ptr = f"/blocks/{i}"
        if not _is_object(block, ptr, errs):
            continue
        kind = block.get("type")
        if kind not in BLOCK_CHECKS:
            _err(errs, f"unsupported type: {kind}", f"{ptr}/type")
            continue
        if "block_id" in block:
            _check_string(block["block_id"], f"{ptr}/block_id", errs, MAX_BLOCK_ID, 1)
            if block["block_id"] in block_ids:
                _err(errs, f"duplicate block_id: {block['block_id']}", f"{ptr}/block_id")
            if isinstance(block["block_id"], str):
                block_ids.add(block["block_id"])
        BLOCK_CHECKS[kind](block, ptr, errs)
    return errs


def blocks_size(blocks):
    """Characters of the blocks array as compact JSON (the 12 000 budget)."""
    return len(json.dumps(blocks, ensure_ascii=False, separators=(",", ":")))


def decode_blocks(blocks):
    """blocks as sent (array, or a JSON string as in form bodies) -> value.
    Raises ValueError for a string that is not JSON."""
    if isinstance(blocks, str):
        return json.loads(blocks) if blocks.strip() else None
    return blocks


def validate_message(body):
    """Checks a message payload like Slack does.

    Returns (error, messages, blocks): error is None or a Slack error code
    (no_text, msg_too_long, invalid_blocks, msg_blocks_too_long,
    markdown_text_conflict, invalid_arguments), messages the
    response_metadata lines, blocks the decoded blocks (or None)."""
    text = body.get("text")
    markdown_text = body.get("markdown_text")
    try:
        blocks = decode_blocks(body.get("blocks"))
    except ValueError:
        return "invalid_blocks", ["[ERROR] invalid json [json-pointer:/blocks]"], None
    if text is not None and not isinstance(text, str):
        return "invalid_arguments", ["[ERROR] must provide a string [json-pointer:/text]"], blocks
    if markdown_text is not None and (text or blocks):
        return "markdown_text_conflict", [], blocks
    if not text and blocks in (None, []) and not markdown_text:
        return "no_text", [], blocks
    if text and len(text) > MAX_TEXT:
        return "msg_too_long", [], blocks
    if isinstance(markdown_text, str) and len(markdown_text) > MAX_MARKDOWN_TEXT:
        return "msg_too_long", [], blocks
    if blocks is not None:
        errs = validate_blocks(blocks)
        if errs:
            return "invalid_blocks", errs[:MAX_ERRORS_REPORTED], blocks
        size = blocks_size(blocks)
        if size > MAX_BLOCKS_CHARS:
            return "msg_blocks_too_long", [
                f"[ERROR] blocks are {size} characters, no more than "
                f"{MAX_BLOCKS_CHARS} allowed [json-pointer:/blocks]"], blocks
    return None, [], blocks


def mrkdwn_objects(node, ptr=""):
    """Yields (json-pointer, object) for every mrkdwn text object in node."""
    if isinstance(node, dict):
        if node.get("type") == "mrkdwn" and "text" in node:
            yield ptr, node
        for key, value in node.items():
            yield from mrkdwn_objects(value, f"{ptr}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from mrkdwn_objects(value, f"{ptr}/{i}")


def message_flags(body):
    """The auto-parsing switches of a payload, for tests to assert on:
    parse, link_names, mrkdwn as sent (None when absent); verbatim is True
    when every mrkdwn object in blocks has "verbatim": true (None when there
    are none); non_verbatim lists the pointers of those that do not."""
    try:
        blocks = decode_blocks(body.get("blocks"))
    except ValueError:
        blocks = None
    objs = list(mrkdwn_objects(blocks, "/blocks")) if blocks is not None else []
    non_verbatim = [ptr for ptr, obj in objs if obj.get("verbatim") is not True]
    return {
        "parse": body.get("parse"),
        "link_names": body.get("link_names"),
        "mrkdwn": body.get("mrkdwn"),
        "mrkdwn_objects": len(objs),
        "verbatim": (not non_verbatim) if objs else None,
        "non_verbatim": non_verbatim,
    }


# --------------------------------------------------------------------------
# Request parsing.
# --------------------------------------------------------------------------

def _split_content_type(value):
    """'application/json; charset=utf-8' -> ('application/json', True)."""
    mime, _, params = (value or "").partition(";")
    return mime.strip().lower(), "charset" in params.lower()


def parse_form(text):
    """A urlencoded form as a dict (last value wins); boolean fields become
    bools, other values stay strings (blocks stays a JSON string)."""
    form = {k: v[-1] for k, v in parse_qs(text, keep_blank_values=True).items()}
    for key in BOOL_FIELDS:
        if key in form:
            form[key] = form[key].strip().lower() in ("true", "1", "yes")
    return form


def parse_api_body(verb, content_type, raw, query):
    """Web API request -> (body dict or None, error code or None, warnings)."""
    if verb == "GET":
        return parse_form(query), None, []
    mime, has_charset = _split_content_type(content_type)
    if mime == "application/json":
        warnings = [] if has_charset else ["missing_charset"]
        try:
            body = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return None, "invalid_json", warnings
        if not isinstance(body, dict):
            return None, "json_not_object", warnings
        return body, None, warnings
    if mime in ("application/x-www-form-urlencoded", "", "text/plain"):
        warnings = ["superfluous_charset"] if has_charset and mime else []
        try:
            return parse_form(raw.decode("utf-8")), None, warnings
        except UnicodeDecodeError:
            return None, "invalid_form_data", warnings
    return None, "invalid_post_type", []


def parse_json_or_payload(content_type, raw):
    """Webhook / response_url body: JSON, or a form with a JSON `payload`
    field. Returns the dict or None."""
    mime, _ = _split_content_type(content_type)
    try:
        text = raw.decode("utf-8")
        if mime == "application/x-www-form-urlencoded":
            text = parse_qs(text).get("payload", [""])[-1]
        body = json.loads(text)
    except (UnicodeDecodeError, ValueError):
        return None
    return body if isinstance(body, dict) else None


def read_request_body(handler):
    """The request body bytes (Content-Length or chunked)."""
    if "chunked" in handler.headers.get("Transfer-Encoding", "").lower():
        chunks = []
        while True:
            size = int(handler.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while handler.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass
                return b"".join(chunks)
            chunks.append(handler.rfile.read(size))
            handler.rfile.readline()
    length = int(handler.headers.get("Content-Length") or 0)
    return handler.rfile.read(length) if length > 0 else b""


# --------------------------------------------------------------------------
# Records, replies, faults.
# --------------------------------------------------------------------------

@dataclasses.dataclass
class Call:
    """One request as received and answered. Response fields stay None until
    the answer is sent (a stalled call is visible while it waits)."""
    seq: int                      # 1, 2, ... in arrival order
    verb: str                     # "POST", "GET"
    path: str                     # "/api/chat.postMessage"
    method: str                   # "chat.postMessage", WEBHOOK, RESPONSE_URL, ...
    headers: object               # http.client.HTTPMessage (case-insensitive)
    raw: bytes                    # body bytes as received
    body: object                  # parsed dict, or None when unparseable
    received: float               # time.time() at arrival
    content_type: str = ""
    parse_error: str = None       # invalid_json, invalid_payload, ...
    warnings: list = dataclasses.field(default_factory=list)
    flags: dict = dataclasses.field(default_factory=dict)   # see message_flags()
    status: int = None            # HTTP status sent (None: no answer / reset)
    response: object = None       # dict (JSON), str (text) or bytes as sent
    response_headers: dict = None
    answered: float = None        # time.time() just before the answer went out
    error: str = None             # Slack error code when the answer was a failure
    fault: str = None             # respond|stall|reset|close|ratelimited|None
    processed: bool = False       # the fake's state logic ran for this call

    @property
    def ok(self):
        """True when the answer was a success (HTTP 200 and not ok:false)."""
        return self.status == 200 and self.error is None


@dataclasses.dataclass
class Reply:
    """An HTTP answer: body dict/list -> JSON, str -> text/plain, bytes -> raw."""
    status: int = 200
    body: object = b""
    headers: dict = dataclasses.field(default_factory=dict)

    def encode(self):
        """(payload bytes, default Content-Type)."""
        if isinstance(self.body, (dict, list)):
            return json.dumps(self.body).encode(), "application/json; charset=utf-8"
        if isinstance(self.body, str):
            return self.body.encode(), "text/plain; charset=utf-8"
        return bytes(self.body or b""), "application/octet-stream"


@dataclasses.dataclass
class Fault:
    """A scripted behaviour for the next call(s) of one method."""
    kind: str                     # respond | stall | reset
    times: int = 1                # None: until clear_faults()
    delay: float = 0.0            # seconds to wait before answering
    reply: Reply = None           # for kind "respond"
    process: bool = False         # run the real logic first (state changes)
    partial: bool = True          # reset: send part of the headers first
    rst: bool = True              # reset: abortive close (TCP RST)


def api_error(code, messages=None, status=200, **extra):
    """A Web API failure reply {"ok": false, "error": code, ...}."""
    body = {"ok": False, "error": code}
    if messages:
        body["response_metadata"] = {"messages": list(messages)}
    body.update(extra)
    return Reply(status, body)


def _default_fault_body(method, status):
    """Body for fail_next() without an explicit one."""
    code = DEFAULT_ERRORS.get(status, "internal_error")
    if method in (WEBHOOK, RESPONSE_URL):
        return code
    return {"ok": False, "error": code}


# --------------------------------------------------------------------------
# HTTP plumbing.
# --------------------------------------------------------------------------

class _Server(ThreadingHTTPServer):
    """ThreadingHTTPServer that knows its FakeSlack and stays quiet."""

    daemon_threads = True
    allow_reuse_address = True
    # The default backlog of 5 resets connections when a test (or the
    # relay) opens many at once.
    request_queue_size = 128

    def __init__(self, address, fake):
        self.fake = fake
        super().__init__(address, _Handler)

    def server_bind(self):
        """Bind without HTTPServer's reverse DNS lookup (slow in sandboxes)."""
        TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def handle_error(self, request, client_address):
        """Tracebacks only in verbose mode (clients vanish all the time)."""
        if self.fake.verbose:
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    """Thin adapter: every request goes to FakeSlack._handle."""

    protocol_version = "HTTP/1.1"      # keep-alive, as libcurl expects
    server_version = "FakeSlack/1.0"
    timeout = 60                        # idle keep-alive connections end

    def version_string(self):
        """"Server: FakeSlack/1.0" (no Python version)."""
        return self.server_version

    def setup(self):
        super().setup()
        self.rejected = not self.server.fake._track(self.connection, self.server)

    def handle(self):
        if not self.rejected:
            super().handle()

    def finish(self):
        try:
            super().finish()
        finally:
            self.server.fake._untrack(self.connection)

    def do_POST(self):
        self.server.fake._handle(self)

    do_GET = do_PUT = do_DELETE = do_PATCH = do_POST

    def log_message(self, format, *args):  # noqa: A002 (stdlib signature)
        """Silenced; FakeSlack logs one line per call when verbose."""


# --------------------------------------------------------------------------
# The fake.
# --------------------------------------------------------------------------

class FakeSlack:
    """A scriptable fake Slack on 127.0.0.1 (see the module docstring).

    All public methods are thread-safe and may be called while requests are
    being served. Returned messages and lists are copies."""

    def __init__(self, token=DEFAULT_TOKEN, port=0, host="127.0.0.1",
                 channels=None, strict_channels=False, verbose=False):
        """Starts serving at once. channels: names ("#alerts") or a dict
        name -> id to pre-register; strict_channels: only registered channels
        exist (others get channel_not_found, unregistered hooks 404)."""
        self.host = host
        self.verbose = verbose
        self.strict_channels = strict_channels
        # What auth.test reports in X-OAuth-Scopes (None: no header).
        self.scopes = "chat:write,chat:write.public"
        self._token = token
        self._port = port
        self._lock = threading.RLock()
        self._cond = threading.Condition(self._lock)
        self._abort = threading.Event()
        self._server = None
        self._thread = None
        self._closed = False
        self._conns = set()
        self._ts_counter = 0
        self._seq = 0
        self._channels = {}            # name (no '#') -> id
        self._channel_names = {}       # id -> name or None
        self._hooks = {}               # path after /hooks/ -> channel id
        self._response_urls = {}       # path after /actions/ -> (channel, ts)
        self._url_counter = 0
        self._init_state()
        for name, cid in (channels.items() if isinstance(channels, dict)
                          else ((c, None) for c in channels or ())):
            self.add_channel(name, cid)
        self._start_server()

    def _init_state(self):
        """Recorded and scripted state (what reset() clears)."""
        self._calls = []
        self._messages = {}            # (channel id, ts) -> record, in ts order
        self._faults = collections.defaultdict(collections.deque)
        self._rate = None              # (per_second, retry_after, methods)
        self._rate_hits = collections.defaultdict(collections.deque)
        self._channel_errors = {}      # channel id -> error code

    # ---- lifecycle -------------------------------------------------------

    def _start_server(self):
        """Binds (same port after the first time) and serves in a thread."""
        server = _Server((self.host, self._port), self)
        self._port = server.server_address[1]
        thread = threading.Thread(target=server.serve_forever,
                                  kwargs={"poll_interval": 0.05},
                                  name=f"fakeslack-{self._port}", daemon=True)
        with self._lock:
            self._server, self._thread = server, thread
        thread.start()

    def down(self):
        """Stops listening (connections are refused) and drops open
        connections, including stalled ones. State is kept; up() resumes."""
        with self._lock:
            server, thread, abort = self._server, self._thread, self._abort
            self._server = self._thread = None
            conns = list(self._conns)
        if server is None:
            return
        abort.set()
        server.shutdown()
        server.server_close()
        thread.join(5)
        for sock in conns:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def up(self):
        """Listens again on the same port after down()."""
        with self._lock:
            if self._closed:
                raise RuntimeError("FakeSlack is closed")
            if self._server is not None:
                return
            self._abort = threading.Event()
        self._start_server()

    @property
    def is_up(self):
        """True while listening."""
        with self._lock:
            return self._server is not None

    def close(self):
        """Stops the server for good (idempotent)."""
        self.down()
        with self._lock:
            self._closed = True

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _track(self, sock, server):
        """Registers a new connection; False when it came in on a server
        that is going down (the handler then closes it)."""
        with self._lock:
            if server is not self._server:
                return False
            self._conns.add(sock)
            return True

    def _untrack(self, sock):
        with self._lock:
            self._conns.discard(sock)

    # ---- addresses and configuration ------------------------------------

    @property
    def port(self):
        """The TCP port (stable across down()/up())."""
        return self._port

    @property
    def url(self):
        """http://127.0.0.1:PORT"""
        return f"http://{self.host}:{self._port}"

    @property
    def api_url(self):
        """Value for the relay's slack.api_url."""
        return self.url + "/api"

    def set_token(self, token):
        """Changes the accepted bot token (e.g. to simulate a revoked one)."""
        with self._lock:
            self._token = token

    def channel_id(self, channel):
        """The id a channel name ("#alerts" -> "C0ALERTS") has or would get;
        ids are returned unchanged. Does not register anything."""
        with self._lock:
            if self._looks_like_id(channel):
                return channel
            name = channel.lstrip("#")
            return self._channels.get(name) or self._new_id(name)

    def add_channel(self, name, channel_id=None):
        """Registers a channel name (needed with strict_channels), optionally
        with a chosen id, or a bare id; returns the id."""
        with self._lock:
            if channel_id is None and self._looks_like_id(name):
                self._channel_names.setdefault(name, None)
                return name
            name = name.lstrip("#")
            cid = channel_id or self._channels.get(name) or self._new_id(name)
            self._channels[name] = cid
            self._channel_names[cid] = name
            return cid

    def channel_error(self, channel, error=None):
        """Every chat.* call for that channel answers ok:false `error`
        (e.g. not_in_channel, is_archived); error=None clears it."""
        with self._lock:
            cid = self.channel_id(channel)
            if error is None:
                self._channel_errors.pop(cid, None)
            else:
                self._channel_errors[cid] = error

    def webhook_url(self, channel=None, path=None):
        """Registers an incoming webhook posting into `channel` (default
        C0WEBHOOK) and returns its URL (…/hooks/services/T0FAKE/B…/…)."""
        with self._lock:
            self._url_counter += 1
            path = path or f"services/{TEAM_ID}/B{self._url_counter:08d}/hook{self._url_counter}secret"
            cid = self.add_channel(channel) if channel else DEFAULT_HOOK_CHANNEL
            self._hooks[path] = cid
            return f"{self.url}/hooks/{path}"

    def response_url(self, channel=None, ts=None):
        """A fresh response_url (…/actions/T0FAKE/N/secret). With channel and
        ts, replace_original/delete_original act on that message and
        response_type in_channel posts into that channel."""
        with self._lock:
            self._url_counter += 1
            path = f"{TEAM_ID}/{self._url_counter}/resp{self._url_counter}secret"
            target = (self.channel_id(channel), ts) if channel else None
            self._response_urls[path] = target
            return f"{self.url}/actions/{path}"

    # ---- scripted faults -------------------------------------------------

    def fail_next(self, method, status=200, body=None, headers=None, times=1,
                  delay=0.0, process=False):
        """The next `times` calls of `method` (or ANY) get this answer instead
        of the real one. body: dict -> JSON, str -> text, bytes -> raw; None
        picks {"ok":false,"error":...} from the status (429 ratelimited with
        Retry-After: 1, 500 internal_error, 503 service_unavailable). times
        None: until clear_faults(). delay: stall first. process: run the real
        logic first (the message is posted, the answer still fails)."""
        if body is None:
            body = _default_fault_body(method, status)
            if status == 429 and headers is None:
                headers = {"Retry-After": "1"}
        reply = Reply(status, body, dict(headers or {}))
        self._add_fault(method, Fault("respond", times, delay, reply, process))

    def error_next(self, method, error, times=1, status=200, **fields):
        """HTTP `status` (200) with {"ok": false, "error": error, **fields}."""
        self.fail_next(method, status, {"ok": False, "error": error, **fields}, times=times)

    def garbage_next(self, method, body=b"<html><body>502 Bad Gateway</body></html>",
                     status=200, times=1, content_type="text/html"):
        """A non-JSON body (an HTML proxy page by default)."""
        self.fail_next(method, status, body, {"Content-Type": content_type}, times=times)

    def empty_next(self, method, status=200, times=1):
        """An empty body (Content-Length: 0) labelled as JSON."""
        self.fail_next(method, status, b"",
                       {"Content-Type": "application/json; charset=utf-8"}, times=times)

    def stall_next(self, method, seconds, times=1):
        """Waits `seconds` before handling the call normally (so a client
        that timed out meanwhile may still have posted). Other connections
        are served meanwhile; down()/close() end the wait."""
        self._add_fault(method, Fault("stall", times, seconds))

    def reset_next(self, method, times=1, partial=True, rst=True, process=False):
        """Drops the connection instead of answering: partial sends the first
        bytes of the headers first; rst closes with a TCP reset (curl: error
        56), else with FIN (curl: 52 "Empty reply" without partial, but a
        bodiless 200 with partial); process posts the message first (lost
        reply)."""
        self._add_fault(method, Fault("reset", times, process=process,
                                      partial=partial, rst=rst))

    def clear_faults(self, method=None):
        """Drops scripted faults (of one method, or all) and the rate limit."""
        with self._lock:
            if method is None:
                self._faults.clear()
                self._rate = None
            else:
                self._faults.pop(method, None)

    def rate_limit(self, per_second=None, retry_after=1,
                   methods=("chat.postMessage",)):
        """Answers 429 (Retry-After: retry_after) when a call would make more
        than per_second accepted calls of a method to one channel within the
        last second. per_second None switches it off."""
        with self._lock:
            self._rate = None if per_second is None else (per_second, retry_after, tuple(methods))
            self._rate_hits.clear()

    def _add_fault(self, method, fault):
        with self._lock:
            self._faults[method].append(fault)

    def _take_fault(self, method):
        """The fault that applies to this call, consuming one use."""
        with self._lock:
            for key in (method, ANY):
                queue = self._faults.get(key)
                if queue:
                    fault = queue[0]
                    if fault.times is not None:
                        fault.times -= 1
                        if fault.times <= 0:
                            queue.popleft()
                    return fault
        return None

    # ---- inspection ------------------------------------------------------

    def calls(self, method=None, answered=False):
        """Recorded calls (all, or of one method) in arrival order. A call is
        recorded when it arrives; with answered=True only those whose reply
        (status, response) is already filled in."""
        with self._lock:
            return [c for c in self._calls
                    if (method is None or c.method == method)
                    and (not answered or c.answered is not None)]

    def messages(self, channel=None, include_deleted=False):
        """Current state of posted messages (roots and thread replies, in ts
        order), optionally of one channel (name or id). Each is a dict:
        channel, channel_name, ts, thread_ts (root's ts for replies, else
        None), text, blocks, reply_broadcast, via (api|webhook|response_url),
        params (request body minus token), flags (message_flags), updates,
        history (earlier {text, blocks, params}), deleted."""
        with self._lock:
            cid = self.channel_id(channel) if channel else None
            return [copy.deepcopy(m) for m in self._messages.values()
                    if (cid is None or m["channel"] == cid)
                    and (include_deleted or not m["deleted"])]

    def message(self, channel, ts):
        """One message by channel (name or id) and ts, or None."""
        with self._lock:
            msg = self._messages.get((self.channel_id(channel), ts))
            return copy.deepcopy(msg)

    def roots(self, channel=None):
        """Messages that are not thread replies."""
        return [m for m in self.messages(channel) if m["thread_ts"] is None]

    def replies(self, channel, thread_ts):
        """Thread replies under a root, in order."""
        return [m for m in self.messages(channel) if m["thread_ts"] == thread_ts]

    def wait_for(self, predicate, timeout=5.0, what=None):
        """Polls predicate() until it returns something truthy and returns
        that; raises AssertionError after timeout seconds."""
        deadline = time.monotonic() + timeout
        while True:
            result = predicate()
            if result:
                return result
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(
                    f"fakeslack: timed out after {timeout}s waiting for "
                    f"{what or 'condition'}; calls: {self.summary()}")
            with self._cond:
                self._cond.wait(min(remaining, 0.05))

    def wait_calls(self, method=None, count=1, timeout=5.0):
        """Waits until `count` calls of `method` have been answered (or
        dropped); returns them."""
        def answered():
            done = [c for c in self.calls(method) if c.answered is not None]
            return done if len(done) >= count else None
        return self.wait_for(answered, timeout, f"{count} answered {method or 'calls'}")

    def summary(self):
        """One short line per call, for failure messages."""
        return "; ".join(" ".join(str(part) for part in (
            f"#{c.seq}", c.method, c.status, c.error, c.fault and f"[{c.fault}]") if part)
            for c in self.calls()[-30:])

    def reset(self):
        """Forgets calls, messages, faults, the rate limit and channel errors.
        Keeps token, channels, webhooks and the ts counter (a ts is never
        issued twice)."""
        with self._lock:
            self._init_state()
            self._response_urls.clear()
            self._cond.notify_all()

    # ---- request handling ------------------------------------------------

    def _handle(self, handler):
        """Entry point for every request (runs on a server thread)."""
        try:
            raw = read_request_body(handler)
        except (OSError, ValueError):
            handler.close_connection = True
            return
        call = self._record_arrival(handler, raw)
        fault = self._take_fault(call.method)
        abort = self._abort
        if fault and fault.delay:
            with self._lock:
                call.fault = "stall" if fault.kind == "stall" else fault.kind
            if abort.wait(fault.delay):
                self._drop(handler, call, partial=False, rst=True)
                return
        if fault and fault.kind == "stall":
            fault = None
        reply = None
        if fault is None or fault.process:
            reply = self._rate_limited(call) or self._process(call)
        if fault is None:
            self._send(handler, call, reply)
        elif fault.kind == "respond":
            with self._lock:
                call.fault = "respond"
            self._send(handler, call, fault.reply)
        else:
            self._drop(handler, call, fault.partial, fault.rst)

    def _record_arrival(self, handler, raw):
        """Parses and records a call as soon as it arrives."""
        split = urlsplit(handler.path)
        path = split.path
        ctype = handler.headers.get("Content-Type", "")
        method, kind = self._route(path)
        if kind == "api":
            body, perr, warnings = parse_api_body(handler.command, ctype, raw, split.query)
        elif kind in (WEBHOOK, RESPONSE_URL):
            body = parse_json_or_payload(ctype, raw)
            perr, warnings = (None if body is not None else "invalid_payload"), []
        else:
            body, perr, warnings = None, None, []
        with self._lock:
            self._seq += 1
            call = Call(self._seq, handler.command, path, method, handler.headers,
                        raw, body, time.time(), ctype, perr, warnings,
                        message_flags(body) if isinstance(body, dict) else {})
            self._calls.append(call)
            self._cond.notify_all()
        return call

    @staticmethod
    def _route(path):
        """URL path -> (method name, kind)."""
        if path.startswith("/api/"):
            return path[len("/api/"):], "api"
        if path.startswith("/hooks/"):
            return WEBHOOK, WEBHOOK
        if path.startswith("/actions/"):
            return RESPONSE_URL, RESPONSE_URL
        return path, "other"

    def _rate_limited(self, call):
        """A 429 reply when the rate limit mode says so, else None."""
        with self._lock:
            if self._rate is None:
                return None
            per_second, retry_after, methods = self._rate
            if call.method not in methods:
                return None
            body = call.body or {}
            if call.method == WEBHOOK:
                key = call.path
            else:
                channel = body.get("channel")
                key = self.channel_id(channel) if isinstance(channel, str) and channel else ""
            now = time.monotonic()
            window = self._rate_hits[(call.method, key)]
            while window and window[0] <= now - 1.0:
                window.popleft()
            if len(window) >= per_second:
                call.fault = "ratelimited"
                headers = {"Retry-After": str(retry_after)}
                if call.method == WEBHOOK:
                    return Reply(429, "rate_limited", headers)
                return Reply(429, {"ok": False, "error": "ratelimited"}, headers)
            window.append(now)
            return None

    def _process(self, call):
        """The real behaviour of the fake; mutates state under the lock."""
        with self._lock:
            call.processed = True
            if call.method == WEBHOOK:
                return self._webhook(call)
            if call.method == RESPONSE_URL:
                return self._response_url(call)
            if call.path.startswith("/api/"):
                return self._api(call)
            return Reply(404, "not_found")

    def _send(self, handler, call, reply):
        """Records the reply, then writes it: a client that has the answer
        always finds the call complete in calls()."""
        self._record_answer(call, reply)
        payload, default_type = reply.encode()
        headers = {k: v for k, v in reply.headers.items()
                   if k.lower() not in ("content-length", "content-type")}
        ctype = next((v for k, v in reply.headers.items()
                      if k.lower() == "content-type"), default_type)
        try:
            handler.send_response(reply.status)
            for key, value in headers.items():
                handler.send_header(key, str(value))
            handler.send_header("Content-Type", ctype)
            handler.send_header("Content-Length", str(len(payload)))
            handler.end_headers()
            handler.wfile.write(payload)
        except OSError:
            handler.close_connection = True
        self._log(call)

    def _drop(self, handler, call, partial, rst):
        """Closes the connection without a (complete) answer."""
        with self._lock:
            call.fault = "reset" if partial else "close"
            call.answered = time.time()
            self._cond.notify_all()
        sock = handler.connection
        try:
            if partial:
                sock.sendall(PARTIAL_HEADERS)
            if rst:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            else:
                sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        handler.close_connection = True
        # rfile holds a reference to the socket: close it too, or the
        # descriptor (and the RST) would wait for the server's own cleanup.
        handler.rfile.close()
        sock.close()
        self._log(call)

    def _record_answer(self, call, reply):
        """Fills the response fields of a call."""
        body = reply.body
        error = None
        if isinstance(body, dict) and body.get("ok") is False:
            error = body.get("error")
        elif reply.status >= 400 and isinstance(body, str):
            error = body
        elif reply.status >= 400:
            error = f"http_{reply.status}"
        with self._lock:
            call.status = reply.status
            call.response = copy.deepcopy(body)
            call.response_headers = dict(reply.headers)
            call.error = error
            call.answered = time.time()
            self._cond.notify_all()

    def _log(self, call):
        """One line per call on stderr in verbose mode."""
        if self.verbose:
            print(f"fakeslack: #{call.seq} {call.verb} {call.path} -> {call.status} "
                  f"{call.error or ''} {call.fault or ''}".rstrip(),
                  file=sys.stderr, flush=True)

    # ---- Web API ---------------------------------------------------------

    def _api(self, call):
        """/api/<method>: auth, parse errors, then the method."""
        if call.verb not in ("POST", "GET"):
            return api_error("invalid_post_type", status=405)
        handlers = {"chat.postMessage": self._post_message,
                    "chat.update": self._update,
                    "auth.test": self._auth_test}
        handler = handlers.get(call.method)
        if handler is None:
            return api_error("unknown_method", status=404, req_method=call.method)
        reply = self._check_auth(call)
        if reply is None and call.parse_error:
            reply = api_error(call.parse_error)
        if reply is None:
            reply = handler(call.body)
        if call.warnings and isinstance(reply.body, dict):
            reply.body["warning"] = ",".join(call.warnings)
            reply.body.setdefault("response_metadata", {})["warnings"] = list(call.warnings)
        return reply

    def _check_auth(self, call):
        """not_authed / invalid_auth reply, or None when the token is right.
        The header wins; form bodies may carry token= instead."""
        header = call.headers.get("Authorization")
        if header is not None:
            token = header[len("Bearer "):] if header.startswith("Bearer ") else None
        elif isinstance(call.body, dict) and call.body.get("token") \
                and not call.content_type.lower().startswith("application/json"):
            token = call.body["token"]
        else:
            return api_error("not_authed")
        if token != self._token:
            return api_error("invalid_auth")
        return None

    def _auth_test(self, body):
        """auth.test: who the token belongs to."""
        headers = {} if self.scopes is None else {"X-OAuth-Scopes": self.scopes}
        return Reply(200, {"ok": True, "url": "https://fake-workspace.slack.com/",
                           "team": TEAM_NAME, "user": BOT_NAME, "team_id": TEAM_ID,
                           "user_id": BOT_USER_ID, "bot_id": BOT_ID,
                           "is_enterprise_install": False}, headers)

    def _post_message(self, body):
        """chat.postMessage."""
        cid = self._resolve_channel(body.get("channel"))
        if cid is None:
            return api_error("channel_not_found")
        if cid in self._channel_errors:
            return api_error(self._channel_errors[cid])
        error, messages, blocks = validate_message(body)
        if error:
            return api_error(error, messages)
        thread_ts = body.get("thread_ts")
        root_ts = None
        if thread_ts not in (None, ""):
            parent = self._messages.get((cid, str(thread_ts)))
            if parent is None or parent["deleted"]:
                return api_error("thread_not_found")
            root_ts = parent["thread_ts"] or parent["ts"]
        msg = self._store(cid, body, blocks, "api", root_ts)
        return Reply(200, {"ok": True, "channel": cid, "ts": msg["ts"],
                           "message": self._public(msg)})

    def _update(self, body):
        """chat.update: channel id + ts of a message this fake posted."""
        cid = body.get("channel")
        if not isinstance(cid, str) or not self._looks_like_id(cid) \
                or (self.strict_channels and cid not in self._channel_names):
            return api_error("channel_not_found")
        if cid in self._channel_errors:
            return api_error(self._channel_errors[cid])
        ts = body.get("ts")
        msg = self._messages.get((cid, str(ts))) if ts not in (None, "") else None
        if msg is None or msg["deleted"] or msg["via"] == WEBHOOK:
            return api_error("message_not_found")
        error, messages, blocks = validate_message(body)
        if error:
            return api_error(error, messages)
        self._replace(msg, body, blocks)
        return Reply(200, {"ok": True, "channel": cid, "ts": msg["ts"],
                           "text": msg["text"], "message": self._public(msg)})

    # ---- webhooks and response_url ---------------------------------------

    def _webhook(self, call):
        """POST /hooks/<path>: plain-text ok or 4xx error code."""
        if call.verb != "POST":
            return Reply(405, "invalid_method")
        path = call.path[len("/hooks/"):]
        cid = self._hooks.get(path)
        if cid is None:
            if self.strict_channels:
                return Reply(404, "no_service")
            cid = DEFAULT_HOOK_CHANNEL
        if call.body is None:
            return Reply(400, "invalid_payload")
        if cid in self._channel_errors:
            return Reply(404 if self._channel_errors[cid] == "channel_not_found" else 410,
                         self._channel_errors[cid])
        error, _, blocks = validate_message(call.body)
        if error:
            return Reply(400, error)
        self._store(cid, call.body, blocks, WEBHOOK, None)
        return Reply(200, "ok")

    def _response_url(self, call):
        """POST /actions/<path>: records; acts on the target message."""
        if call.verb != "POST":
            return Reply(405, "invalid_method")
        body = call.body
        if body is None:
            return Reply(400, "invalid_payload")
        target = self._response_urls.get(call.path[len("/actions/"):])
        msg = self._messages.get(target) if target else None
        if _truthy(body.get("delete_original")):
            if msg is not None:
                msg["deleted"] = True
            return Reply(200, {"ok": True})
        error, messages, blocks = validate_message(body)
        if error:
            return Reply(400, {"ok": False, "error": error,
                               "response_metadata": {"messages": messages}})
        if _truthy(body.get("replace_original")) and msg is not None:
            self._replace(msg, body, blocks)
        elif body.get("response_type") == "in_channel" and target:
            self._store(target[0], body, blocks, RESPONSE_URL, None)
        return Reply(200, {"ok": True})

    # ---- state helpers (called with the lock held) ----------------------

    @staticmethod
    def _looks_like_id(value):
        """True for "C0ALERTS"-style ids (channel names are lower case)."""
        return isinstance(value, str) and not value.startswith("#") \
            and bool(CHANNEL_ID_RE.match(value))

    def _new_id(self, name):
        """Deterministic id for a name: C0 + its letters and digits in upper
        case; a CRC suffix when that is taken by another name."""
        base = "C0" + (re.sub(r"[^A-Z0-9]", "", name.upper())
                       or f"{zlib.crc32(name.encode()):08X}")
        owner = self._channel_names.get(base)
        if owner in (None, name) and base != DEFAULT_HOOK_CHANNEL:
            return base
        return f"{base}{zlib.crc32(name.encode()):08X}"

    def _resolve_channel(self, value):
        """Channel name or id -> id, registering it unless strict; None when
        it does not exist."""
        if not isinstance(value, str) or not value:
            return None
        if self._looks_like_id(value):
            if value not in self._channel_names:
                if self.strict_channels:
                    return None
                self._channel_names[value] = None
            return value
        name = value.lstrip("#")
        if name not in self._channels and self.strict_channels:
            return None
        return self.add_channel(name)

    def _next_ts(self):
        """A unique, increasing ts: 1700000001.000100, 1700000002.000200, ..."""
        self._ts_counter += 1
        n = self._ts_counter
        return f"{TS_BASE + n}.{(n * 100) % 1000000:06d}"

    def _store(self, cid, body, blocks, via, thread_ts):
        """Stores a new message and returns its record."""
        msg = {
            "channel": cid,
            "channel_name": self._channel_names.get(cid),
            "ts": self._next_ts(),
            "thread_ts": thread_ts,
            "text": body.get("text"),
            "blocks": copy.deepcopy(blocks),
            "reply_broadcast": bool(body.get("reply_broadcast")) if thread_ts else False,
            "via": via,
            "params": _params(body),
            "flags": message_flags(body),
            "updates": 0,
            "history": [],
            "deleted": False,
        }
        self._messages[(cid, msg["ts"])] = msg
        return msg

    @staticmethod
    def _replace(msg, body, blocks):
        """chat.update / replace_original: the new text and blocks replace the
        old ones (omitted blocks are cleared); the old version goes to
        history."""
        msg["history"].append({"text": msg["text"], "blocks": msg["blocks"],
                               "params": msg["params"]})
        msg["text"] = body.get("text")
        msg["blocks"] = copy.deepcopy(blocks)
        msg["params"] = _params(body)
        msg["flags"] = message_flags(body)
        msg["updates"] += 1

    @staticmethod
    def _public(msg):
        """The "message" object Slack returns."""
        out = {"type": "message", "subtype": "bot_message", "text": msg["text"] or "",
               "ts": msg["ts"], "bot_id": BOT_ID, "user": BOT_USER_ID, "team": TEAM_ID}
        if msg["blocks"]:
            out["blocks"] = copy.deepcopy(msg["blocks"])
        if msg["thread_ts"]:
            out["thread_ts"] = msg["thread_ts"]
        if msg["updates"]:
            out["edited"] = {"user": BOT_USER_ID, "ts": msg["ts"]}
        return out


def _params(body):
    """Request body without the token, for records."""
    return {k: copy.deepcopy(v) for k, v in body.items() if k != "token"}


def _truthy(value):
    """JSON or form boolean."""
    return value is True or (isinstance(value, str) and value.lower() == "true")


def main(argv=None):
    """Runs a fake Slack in the foreground until interrupted."""
    parser = argparse.ArgumentParser(description="Fake Slack for manual testing.")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    parser.add_argument("--channel", action="append", default=[],
                        help="pre-register a channel (repeatable)")
    parser.add_argument("--strict-channels", action="store_true",
                        help="unknown channels get channel_not_found")
    parser.add_argument("--quiet", action="store_true", help="no per-call log lines")
    args = parser.parse_args(argv)
    with FakeSlack(token=args.token, port=args.port, host=args.host,
                   channels=args.channel, strict_channels=args.strict_channels,
                   verbose=not args.quiet) as slack:
        print(f"api_url:     {slack.api_url}\nwebhook_url: {slack.webhook_url()}\n"
              f"token:       {args.token}", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
