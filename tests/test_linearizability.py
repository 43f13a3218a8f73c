"""Unit tests of the linearizability checker (no server): histories it must accept and ones it must reject."""
import math
import random

import pytest

from linearizability import ABSENT, Op, TooLarge, check, check_register


def w(value, call, ret, created=None, key="k"):
    return Op(key, "write", value=value, result=created, call=call, ret=ret)


def r(value, call, ret, key="k"):
    return Op(key, "read", result=value, call=call, ret=ret)


def d(call, ret, existed=None, key="k"):
    return Op(key, "delete", result=existed, call=call, ret=ret)


def create(value, call, ret, written=None, key="k"):
    return Op(key, "create", value=value, result=written, call=call, ret=ret)


def cas(expected, new, call, ret, written=None, key="k"):
    return Op(key, "cas", value=(expected, new), result=written, call=call, ret=ret)


def test_accepts_a_sequential_history_and_the_empty_one():
    assert check_register([])
    assert check_register([r(ABSENT, 0, 1), w(1, 2, 3, created=True), r(1, 4, 5), w(2, 6, 7, created=False),
                           r(2, 8, 9), d(10, 11, existed=True), r(ABSENT, 12, 13), d(14, 15, existed=False)])


def test_accepts_a_read_concurrent_with_a_write_seeing_either_value():
    assert check_register([w(1, 0, 1), w(2, 2, 6), r(1, 3, 4)])
    assert check_register([w(1, 0, 1), w(2, 2, 6), r(2, 3, 4)])


def test_rejects_a_stale_read_after_a_write_completed():
    assert not check_register([w(1, 0, 1), w(2, 2, 3), r(1, 4, 5)])


def test_rejects_a_value_never_written():
    assert not check_register([w(1, 0, 1), r(3, 2, 3)])


def test_rejects_reads_that_go_back_in_time():
    # Both reads overlap the write of 2, but once a read saw 2, a later read cannot see 1 again.
    assert not check_register([w(1, 0, 1), w(2, 2, 10), r(2, 3, 4), r(1, 5, 6)])
    assert check_register([w(1, 0, 1), w(2, 2, 10), r(1, 3, 4), r(2, 5, 6)])


def test_checks_what_writes_and_deletes_found():
    assert not check_register([w(1, 0, 1, created=True), w(2, 2, 3, created=True)])
    assert not check_register([d(0, 1, existed=True)])
    assert not check_register([w(1, 0, 1), d(2, 3, existed=False)])
    assert check_register([w(1, 0, 5, created=True), d(1, 4, existed=False)])  # the delete went first


def test_a_write_with_unknown_outcome_may_take_effect_late_or_never():
    assert check_register([w(1, 0, 1), w(2, 2, math.inf), r(1, 3, 4), r(2, 5, 6)])
    assert check_register([w(1, 0, 1), w(2, 2, math.inf), r(1, 3, 4), r(1, 5, 6)])
    # ...but not before it was sent, and once seen it cannot be unseen.
    assert not check_register([w(1, 0, 1), r(2, 2, 3), w(2, 4, math.inf)])
    assert not check_register([w(1, 0, 1), w(2, 2, math.inf), r(2, 3, 4), r(1, 5, 6)])


def test_keys_are_checked_independently_and_the_bad_one_is_named():
    ok = [w(1, 0, 1, key="a"), r(1, 2, 3, key="a"), w(5, 0, 1, key="b"), r(5, 2, 3, key="b")]
    assert check(ok) == (True, None)
    assert check(ok + [r(1, 4, 5, key="b")]) == (False, "b")


def test_accepts_long_concurrent_histories_of_a_real_register_quickly():
    rnd = random.Random(7)
    ops = []
    state = ABSENT
    t = 0.0
    for n in range(400):
        # Each operation takes effect at `t`; its interval is stretched around that point, so they overlap.
        call, ret = t - rnd.random() * 3, t + rnd.random() * 3
        kind = rnd.choice(["write", "read", "delete"])
        if kind == "write":
            ops.append(w(n, call, ret, created=state is ABSENT))
            state = n
        elif kind == "delete":
            ops.append(d(call, ret, existed=state is not ABSENT))
            state = ABSENT
        else:
            ops.append(r(state, call, ret))
        t += 1.0
    assert check_register(ops)
    ops[-1] = r(-1, ops[-1].call, ops[-1].ret)
    assert not check_register(ops)


def test_a_write_of_unknown_outcome_explains_a_later_write_or_delete_that_found_the_key():
    # Nobody read 1, but the delete found the key and the second write did not create it: only the unanswered
    # write can have put it there, so it must not be left out of the search.
    assert check_register([w(1, 0, math.inf), d(2, 3, existed=True), r(ABSENT, 4, 5)])
    assert check_register([w(1, 0, math.inf), w(2, 2, 3, created=False), r(2, 4, 5)])
    assert not check_register([w(1, 4, math.inf), d(2, 3, existed=True)])  # sent only after the delete returned


def test_many_writes_of_unknown_outcome_that_nobody_saw_do_not_slow_the_check():
    ops = [w(0, 0, 1, created=True)]
    ops += [w(100 + n, 2 + n, math.inf) for n in range(60)]  # sent while the leader was away, never answered
    ops += [d(2 + n, math.inf, key="k") for n in range(20)]
    ops += [r(0, 100 + n, 101 + n) for n in range(0, 40, 2)]
    assert check_register(ops)
    assert not check_register(ops + [r(1, 200, 201)])  # 1 was never written by anyone


def test_unanswered_writes_and_deletes_that_can_stand_in_for_each_other_are_searched_once():
    # Thirty writes nobody read and thirty deletes, all unanswered, sent early; later, twenty deletes in a row each
    # found the key, so twenty of the writes took effect in between. Which twenty does not matter: the search
    # must not try every choice (the budget here is far below the number of choices).
    ops = [w(0, 0, 1, created=True)]
    ops += [w(100 + n, 2 + n, math.inf) for n in range(30)]
    ops += [d(2 + n, math.inf) for n in range(30)]
    ops += [d(100 + 2 * n, 101 + 2 * n, existed=True) for n in range(20)]
    assert check_register(ops, max_steps=100_000)
    assert not check_register(ops + [r(1, 200, 201)], max_steps=100_000)


def test_an_undecidable_search_stops_with_an_error_instead_of_running_for_ever():
    # Many overlapping writes, all read back in an order that forces a long search before it fails.
    ops = [w(n, 0, 100) for n in range(12)] + [r(n, 101 + 2 * n, 102 + 2 * n) for n in range(12)]
    with pytest.raises(TooLarge):
        check_register(ops, max_steps=1_000)


def test_conditional_writes_take_effect_exactly_when_their_condition_holds():
    assert check_register([create(1, 0, 1, written=True), create(2, 2, 3, written=False), r(1, 4, 5),
                           cas(1, 3, 6, 7, written=True), cas(1, 4, 8, 9, written=False), r(3, 10, 11)])
    # Two creates both succeeding, or both compare-and-sets on one value, is a lost update: never linearizable.
    assert not check_register([create(1, 0, 2, written=True), create(2, 1, 3, written=True)])
    assert not check_register([w(0, 0, 1), cas(0, 1, 2, 4, written=True), cas(0, 2, 3, 5, written=True)])
    # A compare-and-set that succeeded against a value the key did not hold, or failed against the one it did.
    assert not check_register([w(0, 0, 1), cas(5, 1, 2, 3, written=True)])
    assert not check_register([w(0, 0, 1), cas(0, 1, 2, 3, written=False)])
    # Concurrent ones may go either way round.
    assert check_register([w(0, 0, 1), cas(0, 1, 2, 6, written=True), cas(0, 2, 3, 5, written=False), r(1, 7, 8)])
    assert check_register([w(0, 0, 1), cas(0, 1, 2, 6, written=False), cas(0, 2, 3, 5, written=True), r(2, 7, 8)])


def test_a_conditional_write_of_unknown_outcome_explains_what_later_operations_saw():
    assert check_register([create(1, 0, math.inf), r(1, 2, 3)])
    assert check_register([create(1, 0, math.inf), r(ABSENT, 2, 3)])
    assert check_register([w(0, 0, 1), cas(0, 7, 2, math.inf), r(7, 3, 4), cas(0, 8, 5, 6, written=False)])
    assert not check_register([w(0, 0, 1), cas(3, 7, 2, math.inf), r(7, 3, 4)])
    # A write of unknown outcome explains a failed create that came after it.
    assert check_register([w(1, 0, math.inf), create(2, 1, 2, written=False), d(3, 4, existed=True)])
