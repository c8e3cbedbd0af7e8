#!/opt/vm/venv/bin/python
"""Test-only: the simulated phone. phone.py URI USER_CODE [approve|deny]

Opens the simulator's verification page on the guest's loopback, signs in as alice and
presses Allow (or Deny), through the real forms.
"""

import sys

from device_app_simulator.phone import approve

uri, code = sys.argv[1], sys.argv[2]
decision = sys.argv[3] if len(sys.argv) > 3 else "approve"
result = approve(uri, code, "alice", "alice", decision=decision)
print(result.outcome)
