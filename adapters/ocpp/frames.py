"""CALLERRORs for frames that are not OCPP-J RPC at all (OCPP-J 1.6 §4.2.3; OCPP 2.0.1 Part 4 §4.2.3: "when
the MessageId cannot be read, use '-1'" and RpcFrameworkError), so a bad frame is answered, not dropped."""

from __future__ import annotations

import json
from typing import Any

CALL, CALLRESULT, CALLERROR = 2, 3, 4


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
        if len(frame) > 1 and isinstance(frame[1], str) and 0 < len(frame[1]) <= 36:
            message_id = frame[1]
    if version == "1.6":
        code = "FormationViolation" if frame is None else "ProtocolError"
    elif isinstance(frame, list) and frame and frame[0] not in (CALL, CALLRESULT, CALLERROR):
        code = "MessageTypeNotSupported"
    else:
        code = "RpcFrameworkError"
    return json.dumps([CALLERROR, message_id, code, reason, {}])
