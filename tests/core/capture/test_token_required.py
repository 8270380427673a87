"""TokenRing.required: with no token to check against, every request fails instead of passing."""

from __future__ import annotations

from inspector.core.capture.token_ring import TokenRing


def test_required_without_any_token_fails_every_request() -> None:
    ring = TokenRing(required=True)
    assert not ring
    for values in ([], ["Bearer anything"], ["a", "b"]):
        verdict = ring.check(values)
        assert not verdict.ok
        assert verdict.label is None
        assert "required" in verdict.reason and "none is available" in verdict.reason


def test_required_with_a_token_checks_it_as_usual() -> None:
    ring = TokenRing(required=True)
    ring.set_token("wh_1", "token-one")
    assert ring.check(["Bearer token-one"]).ok
    assert not ring.check(["Bearer other"]).ok
    ring.remove("wh_1")
    assert not ring.check(["Bearer token-one"]).ok  # gone, and nothing falls back to "unverified"


def test_required_can_be_switched_on_a_running_ring() -> None:
    ring = TokenRing()
    assert ring.check([]).ok  # unverified
    ring.required = True
    assert not ring.check([]).ok
