"""TokenRing: which Authorization values pass, which label matched, and rotation with a grace period."""

from __future__ import annotations

import threading

import pytest

from inspector.core.capture.token_ring import TokenRing


class FakeClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def ring(clock: FakeClock) -> TokenRing:
    r = TokenRing(clock=clock)
    r.set_token("wh_1", "token-one")
    return r


def test_no_token_known_accepts_unverified() -> None:
    ring = TokenRing()
    assert not ring
    for values in ([], ["Bearer anything"], ["a", "b"]):
        verdict = ring.check(values)
        assert verdict.ok
        assert verdict.label is None


@pytest.mark.parametrize(
    "value", ["Bearer token-one", "token-one", "bearer token-one", "  Bearer  token-one  "]
)
def test_bearer_and_bare_forms_match(ring: TokenRing, value: str) -> None:
    verdict = ring.check([value])
    assert verdict.ok
    assert verdict.label == "wh_1"


@pytest.mark.parametrize(
    ("values", "fragment"),
    [
        ([], "missing"),
        (["Bearer token-two"], "wrong"),
        (["Bearer token-on"], "wrong"),
        (["Bearer token-one1"], "wrong"),
        (["Token token-one"], "wrong"),
        (["Bearer TOKEN-ONE"], "wrong"),
        ([""], "wrong"),
        (["Bearer token-one", "Bearer token-one"], "more than one"),
        (["Bearer tökén"], "not ASCII"),
        (["Bearer token-one\u00e9"], "not ASCII"),
    ],
)
def test_rejections_say_why(ring: TokenRing, values: list[str], fragment: str) -> None:
    verdict = ring.check(values)
    assert not verdict.ok
    assert verdict.label is None
    assert fragment in verdict.reason


def test_the_reason_never_contains_the_token(ring: TokenRing) -> None:
    for values in (["Bearer token-one"], ["Bearer wrong"], [], ["a", "b"]):
        assert "token-one" not in ring.check(values).reason


def test_several_webhooks_each_matching_its_own_label(ring: TokenRing) -> None:
    ring.set_token("wh_2", "token-two")
    ring.set_token("cli", "token-cli")
    assert ring.check(["token-two"]).label == "wh_2"
    assert ring.check(["Bearer token-cli"]).label == "cli"
    assert ring.check(["Bearer token-one"]).label == "wh_1"
    assert ring.labels() == ["cli", "wh_1", "wh_2"]


def test_rotation_keeps_the_old_token_for_the_grace_period_only(ring: TokenRing, clock: FakeClock) -> None:
    ring.set_token("wh_1", "token-new", grace_seconds=30)
    assert ring.check(["Bearer token-new"]).label == "wh_1"
    assert ring.check(["Bearer token-one"]).label == "wh_1"
    ((label, left),) = ring.grace_periods()
    assert label == "wh_1" and left == pytest.approx(30)
    clock.now += 29.5
    assert ring.check(["Bearer token-one"]).ok
    clock.now += 1
    assert not ring.check(["Bearer token-one"]).ok
    assert ring.check(["Bearer token-new"]).ok
    assert ring.grace_periods() == []


def test_rotation_without_grace_rejects_the_old_token_at_once(ring: TokenRing) -> None:
    ring.set_token("wh_1", "token-new")
    assert not ring.check(["token-one"]).ok
    assert ring.grace_periods() == []


def test_setting_the_same_token_again_starts_no_grace_period(ring: TokenRing) -> None:
    ring.set_token("wh_1", "token-one", grace_seconds=30)
    assert ring.grace_periods() == []


def test_removed_token_with_grace(ring: TokenRing, clock: FakeClock) -> None:
    ring.remove("wh_1", grace_seconds=10)
    assert ring.labels() == []
    assert ring  # still guarding: the retiring token counts
    assert ring.check(["token-one"]).label == "wh_1"
    assert not ring.check([]).ok  # a token is still known, so a missing header is refused
    clock.now += 11
    assert not ring
    assert ring.check([]).ok  # nothing known any more: back to unverified acceptance


def test_removed_token_without_grace(ring: TokenRing) -> None:
    ring.remove("wh_1")
    assert not ring
    assert ring.check(["token-one"]).label is None


def test_empty_token_is_refused() -> None:
    with pytest.raises(ValueError):
        TokenRing().set_token("wh_1", "")


def test_concurrent_checks_and_rotations(ring: TokenRing) -> None:
    errors: list[BaseException] = []

    def checker() -> None:
        try:
            for _ in range(500):
                verdict = ring.check(["Bearer token-one"])
                assert verdict.ok and verdict.label == "wh_1"
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    def rotator() -> None:
        for i in range(200):
            ring.set_token("wh_2", f"other-{i}", grace_seconds=1)

    threads = [threading.Thread(target=checker) for _ in range(3)] + [threading.Thread(target=rotator)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
