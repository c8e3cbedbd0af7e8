"""The device flow's states and every allowed transition, in one table.

Theory of operation
-------------------
``IDLE`` --start--> ``REQUESTING`` (device authorization request in flight).
A good answer gives ``WAITING`` (a code is on screen, the next poll is scheduled);
a transient failure gives ``BACKING_OFF`` (the device authorization request is sent again
later). From ``WAITING`` the driver sends a poll when it is due: ``POLLING``. The poll's
answer leads back to ``WAITING`` (pending, slow_down, a transient failure) or to a final
state. The final states are the outcomes (outcomes.py): each is reached by the input of the
same name. The local deadline (``expires_in``) can end ``WAITING`` and ``POLLING``
at any time. ``cancel`` ends any non-final state.

The README's state diagram is generated from ``TRANSITIONS``.
"""

from device_app.core import outcomes

IDLE = "idle"
REQUESTING = "requesting"
BACKING_OFF = "backing_off"
WAITING = "waiting"
POLLING = "polling"
AUTHORIZED = outcomes.AUTHORIZED
DENIED = outcomes.DENIED
EXPIRED = outcomes.EXPIRED
FAILED = outcomes.FAILED
CANCELLED = outcomes.CANCELLED

FINAL = outcomes.FINAL

# Inputs to the machine; the outcomes above are inputs too (the one that ends the flow).
START = "start"
GOT_CODE = "got_code"
CODE_RETRY = "code_retry"  # device authorization failed transiently; try again later
RETRY_DUE = "retry_due"
POLL = "poll"
PENDING = "pending"
SLOW_DOWN = "slow_down"
TRANSIENT = "transient"

# (state, input) -> next state. Anything not listed is a misuse of the API (UsageError).
TRANSITIONS = {
    (IDLE, START): REQUESTING,
    (REQUESTING, GOT_CODE): WAITING,
    (REQUESTING, CODE_RETRY): BACKING_OFF,
    (REQUESTING, FAILED): FAILED,
    (BACKING_OFF, RETRY_DUE): REQUESTING,
    (WAITING, POLL): POLLING,
    (WAITING, EXPIRED): EXPIRED,
    (POLLING, PENDING): WAITING,
    (POLLING, SLOW_DOWN): WAITING,
    (POLLING, TRANSIENT): WAITING,
    (POLLING, AUTHORIZED): AUTHORIZED,
    (POLLING, DENIED): DENIED,
    (POLLING, EXPIRED): EXPIRED,
    (POLLING, FAILED): FAILED,
}
for _s in (IDLE, REQUESTING, BACKING_OFF, WAITING, POLLING):
    TRANSITIONS[(_s, CANCELLED)] = CANCELLED


def next_state(state, event):
    """The state after ``event`` in ``state``, or None when the table does not allow it."""
    return TRANSITIONS.get((state, event))


def mermaid():
    """The transition table as a Mermaid state diagram (for the README)."""
    lines = ["stateDiagram-v2", "    [*] --> idle"]
    for key in TRANSITIONS:
        lines.append("    %s --> %s: %s" % (key[0], TRANSITIONS[key], key[1]))
    for s in FINAL:
        lines.append("    %s --> [*]" % s)
    return "\n".join(lines)
