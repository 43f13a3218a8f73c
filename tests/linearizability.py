"""A linearizability checker for key-value histories, after Wing & Gong's search with Lowe's memoisation
(the approach of Knossos and Porcupine).  Keys are independent registers (linearizability is compositional),
so each key's history is checked alone.

A register holds a JSON value or nothing.  Operations:
  write(value)  result: whether it created the key (True/False), or None when unknown
  delete()      result: whether the key existed (True/False), or None when unknown
  read()        result: the value read, or ABSENT
  create(value) a write only when the key is absent (If-None-Match: *); result: whether it was written
  cas((expected, new))  a write of new only when the key holds expected (a batch's value check); result: whether
                it was written
An operation whose outcome is unknown (a timeout, a 503 "outcome unknown") is recorded without a return
time: it may have taken effect at any instant after its call, or never.  Operations known to have had no
effect (a refused write, a failed read) are simply left out of the history.
"""
import json
import math
import threading
import time
from dataclasses import dataclass

ABSENT = object()


@dataclass
class Op:
    key: str
    kind: str  # "write", "delete", "read", "create" or "cas"
    value: object = None  # what a write writes
    result: object = None  # see the module docstring
    call: float = 0.0
    ret: float = math.inf  # math.inf: the outcome is unknown


UNREAD = "<a value no read returned>"  # a state: present, holding a value no read can tell apart


def _canon(value):
    return value if value is ABSENT else json.dumps(value, sort_keys=True)


def _step(state, op, read_values):
    """(allowed, next state) of applying op to a register holding state (a canonical value, UNREAD or ABSENT)."""
    if op.kind == "read":
        return _canon(op.result) == state, state
    if op.kind == "write":
        written = _canon(op.value)
        return op.result is None or op.result == (state is ABSENT), written if written in read_values else UNREAD
    if op.kind == "delete":
        return op.result is None or op.result == (state is not ABSENT), ABSENT
    if op.kind in ("create", "cas"):
        # A conditional write takes effect exactly when its condition holds in the state it is linearised at.
        holds = state is ABSENT if op.kind == "create" else state == _canon(op.value[0])
        if op.result is not None and op.result != holds:
            return False, state
        if not holds:
            return True, state
        written = _canon(op.value if op.kind == "create" else op.value[1])
        return True, written if written in read_values else UNREAD
    raise ValueError(f"unknown operation {op.kind!r}")


class TooLarge(Exception):
    """The search went past its step budget: the history is too large or too open to decide."""


def _prune(ops):
    """Leaves out operations of unknown outcome that no completed operation could have observed.

    Such an operation can always be linearised after everything else, which is the same as never, so
    dropping it changes no verdict; it can multiply the search many times over.  A write of unknown outcome
    matters if a read returned its value or if something saw the key present (a write that found it, a
    delete that removed it); a delete of unknown outcome only if something saw the key absent (a read of
    nothing, a write that created the key, a delete that found nothing).
    """
    done = [op for op in ops if op.ret != math.inf]
    # When each value was last read, and when absence was last observed: a pending operation called later
    # cannot explain what those saw.
    last_read = {}
    last_absence = -math.inf
    last_presence = -math.inf
    for op in done:
        seen = op.result if op.kind == "read" else op.value[0] if op.kind == "cas" and op.result else None
        if op.kind == "read" or seen is not None:
            last_read[_canon(seen)] = max(last_read.get(_canon(seen), -math.inf), op.ret)
        # A conditional write that failed saw the key as something other than it asked: absent or not, any value.
        failed_condition = op.kind in ("create", "cas") and op.result is False
        if (op.kind == "read" and op.result is ABSENT) or (op.kind in ("write", "create") and op.result is True) \
                or (op.kind == "delete" and op.result is False) or failed_condition:
            last_absence = max(last_absence, op.ret)
        if (op.kind == "write" and op.result is False) or (op.kind == "delete" and op.result is True) \
                or (op.kind == "cas" and op.result is True) or failed_condition:
            last_presence = max(last_presence, op.ret)
    return done + [op for op in ops if op.ret == math.inf and (
        (op.kind == "write" and op.call < max(last_presence, last_read.get(_canon(op.value), -math.inf)))
        or (op.kind == "delete" and op.call < last_absence)
        or op.kind in ("create", "cas"))]  # conditional: kept, whether they took effect depends on the state


def check_register(ops, initial=ABSENT, max_steps=2_000_000):
    """Whether the operations on one register are linearizable from `initial`.

    Raises TooLarge after `max_steps` search steps rather than run for ever on a pathological history.
    """
    ops = _prune(ops)
    # Values no read returned (nor a compare-and-set expected) are all one state: only whether the key is present
    # can be seen of them.
    read_values = {_canon(op.result) for op in ops if op.kind == "read"}
    read_values |= {_canon(op.value[0]) for op in ops if op.kind == "cas"}
    # Operations of unknown outcome that change the state the same way (every delete; every write of a value
    # no read returned) can stand in for each other: once called, each may take effect at any later instant.
    # At each point of the search only the first of each such kind is tried.
    stand_in = [op.ret == math.inf and (op.kind == "delete"
                                        or (op.kind == "write" and _canon(op.value) not in read_values))
                for op in ops]
    # Events in time order; at equal times calls come first, so touching intervals count as overlapping.
    events = sorted([(op.call, 0, i) for i, op in enumerate(ops)] + [(op.ret, 1, i) for i, op in enumerate(ops)])
    n = len(events)
    head = n  # sentinel of a doubly linked list of the events not yet linearised
    nxt = [k + 1 for k in range(n)] + [0 if n else head]
    prv = [k - 1 for k in range(n)] + [n - 1 if n else head]
    if n:
        nxt[n - 1] = head
        prv[0] = head
    call_pos = {i: pos for pos, (_, is_ret, i) in enumerate(events) if not is_ret}
    ret_pos = {i: pos for pos, (_, is_ret, i) in enumerate(events) if is_ret}

    def unlink(pos):
        nxt[prv[pos]] = nxt[pos]
        prv[nxt[pos]] = prv[pos]

    def relink(pos):
        nxt[prv[pos]] = pos
        prv[nxt[pos]] = pos

    state = _canon(initial) if initial is not ABSENT else ABSENT
    linearized = 0
    seen = set()
    stack = []
    tried = set()  # the kinds of stand-in operations already tried at this point of the search
    entry = nxt[head]
    steps = 0
    while nxt[head] != head:
        steps += 1
        if steps > max_steps:
            raise TooLarge(f"undecided after {max_steps} steps ({len(ops)} operations)")
        if entry == head:
            return False  # every remaining call was tried
        _, is_ret, i = events[entry]
        if not is_ret:
            if stand_in[i]:
                if ops[i].kind in tried:
                    entry = nxt[entry]
                    continue
                tried = tried | {ops[i].kind}
            ok, new_state = _step(state, ops[i], read_values)
            bits = linearized | (1 << i)
            if ok and (bits, new_state) not in seen:
                seen.add((bits, new_state))
                stack.append((i, state, tried))
                state, linearized, tried = new_state, bits, set()
                unlink(call_pos[i])
                unlink(ret_pos[i])
                entry = nxt[head]
            else:
                entry = nxt[entry]
        else:
            # An operation returned before anything could be linearised at this point: undo the last choice.
            if not stack:
                return False
            i, state, tried = stack.pop()
            linearized &= ~(1 << i)
            relink(ret_pos[i])
            relink(call_pos[i])
            entry = nxt[call_pos[i]]
    return True


def check(ops):
    """(True, None) when every key's history is linearizable, else (False, the first key that is not)."""
    by_key = {}
    for op in ops:
        by_key.setdefault(op.key, []).append(op)
    for key, key_ops in sorted(by_key.items()):
        if not check_register(key_ops):
            return False, key
    return True, None


class History:
    """A thread-safe recorder of operations against the real system, for check()."""

    def __init__(self):
        self._lock = threading.Lock()
        self.ops = []

    def invoke(self, key, kind, value=None):
        return Op(key=key, kind=kind, value=value, call=time.monotonic())

    def complete(self, op, result):
        op.ret = time.monotonic()
        op.result = result
        with self._lock:
            self.ops.append(op)

    def unknown(self, op):
        """The operation may or may not have taken effect: it stays open for ever."""
        with self._lock:
            self.ops.append(op)

