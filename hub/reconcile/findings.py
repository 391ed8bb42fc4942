"""The kinds of reconciliation finding and the wire shape of one finding, its evidence and a fix's outcome."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel


class FindingKind(StrEnum):
    """One kind of disagreement between transactions, Sessions, CDRs and CDR pushes."""

    # A charging_transaction row whose OCPI Session is not stored.
    TRANSACTION_WITHOUT_SESSION = "transaction_without_session"
    # One of our Sessions COMPLETED for longer than the CDR delay, with no CDR of ours for it.
    SESSION_WITHOUT_CDR = "session_without_cdr"
    # A push of one of our CDRs that its eMSP refused, or has not accepted within the CDR delay.
    CDR_NOT_ACCEPTED = "cdr_not_accepted"
    # An open transaction in status ACTIVE whose last meter reading (or start) is older than the stuck hours.
    STUCK_ACTIVE = "stuck_active"
    # A CDR whose total_energy differs from its transaction's meter register by more than the tolerance.
    ENERGY_MISMATCH = "energy_mismatch"
    # A transaction whose meter register went down at a later moment.
    METER_BACKWARDS = "meter_backwards"
    # Two or more transactions with the same station, EVSE, token and start time under different ids.
    DUPLICATE_TRANSACTION = "duplicate_transaction"


class Finding(BaseModel):
    """One finding: `subject` names what it is about, `message` says what is wrong, `evidence` holds the ids,
    timestamps, energies and push state it rests on; `fixable` tells whether `--fix` can make the missing CDR."""

    kind: FindingKind
    subject: str
    message: str
    evidence: dict[str, Any]
    fixable: bool = False


class FixOutcome(BaseModel):
    """What `--fix` did with one Session without CDR: `fixed` with the CDR made, or why not."""

    session_id: str
    fixed: bool
    cdr_id: str | None = None
    total_energy: str | None = None
    total_cost: dict[str, Any] | None = None
    reason: str | None = None
