"""CALLERRORs for frames that are not OCPP-J RPC at all (OCPP-J 1.6 §4.2.3; OCPP 2.0.1 Part 4 §4.2.3: "when
the MessageId cannot be read, use '-1'" and RpcFrameworkError), so a bad frame is answered, not dropped.

A message id is a string of at most 36 characters (OCPP-J 1.6 §4.1.3, 2.0.1 Part 4 §4.1.4). One that is no
string, empty or longer is no id we can answer with: the CALLERROR's MessageId is string[36] too, so it gets
"-1" and the framework's error for a frame that is not a valid RPC request (2.0.1 RpcFrameworkError; 1.6 has
no such code and ProtocolError is its nearest)."""

from __future__ import annotations

import json
from typing import Any

CALL, CALLRESULT, CALLERROR = 2, 3, 4
MAX_MESSAGE_ID = 36


def valid_message_id(value: object) -> bool:
    return isinstance(value, str) and 0 < len(value) <= MAX_MESSAGE_ID


def malformed_answer(raw: str, version: str, reason: str) -> str | None:
    """The CALLERROR frame for `raw`, or None when `raw` looks like an answer (answers are never answered)."""
    try:
        frame: Any = json.loads(raw)
    except ValueError:
        frame = None
    message_id = "-1"
    if isinstance(frame, list) and frame:
        if frame[0] in (CALLRESULT, CALLERROR):
            return None
        if len(frame) > 1 and valid_message_id(frame[1]):
            message_id = frame[1]
    if version == "1.6":
        code = "FormationViolation" if frame is None else "ProtocolError"
    elif isinstance(frame, list) and frame and frame[0] not in (CALL, CALLRESULT, CALLERROR):
        code = "MessageTypeNotSupported"
    else:
        code = "RpcFrameworkError"
    return json.dumps([CALLERROR, message_id, code, reason, {}])
