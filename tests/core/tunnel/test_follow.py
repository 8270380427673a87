"""Which webhooks follow the tunnel to its new URL, and what that URL is."""

from __future__ import annotations

import pytest

from inspector.core.provider.webhook_index import KnownWebhook
from inspector.core.tunnel.follow import FollowMove, plan_follow, quick_tunnel_tool

OLD = "https://old-words-here.trycloudflare.com"
NEW = "https://new-words-there.trycloudflare.com"


def hook(webhook_id: str, url: str) -> KnownWebhook:
    return KnownWebhook(id=webhook_id, profile="sandbox", url=url)


def test_webhooks_on_the_old_tunnel_move_and_keep_their_path() -> None:
    plan = plan_follow(
        [
            hook("wh_1", f"{OLD}/hooks/cards?x=1#f"),
            hook("wh_2", "https://OLD-words-here.trycloudflare.com./"),  # case, trailing dot
            hook("wh_3", "https://old-words-here.trycloudflare.com:443/other"),  # default port
            hook("wh_4", "https://example.com/hooks"),  # not a tunnel of ours
            hook("wh_5", "http://old-words-here.trycloudflare.com/hooks"),  # another scheme
            hook("wh_6", f"{NEW}/hooks"),  # already there
            hook("wh_7", "not a url"),
        ],
        OLD,
        NEW + "/",
    )
    assert plan.moves == (
        FollowMove("wh_1", f"{OLD}/hooks/cards?x=1#f", f"{NEW}/hooks/cards?x=1#f"),
        FollowMove("wh_2", "https://OLD-words-here.trycloudflare.com./", f"{NEW}/"),
        FollowMove("wh_3", "https://old-words-here.trycloudflare.com:443/other", f"{NEW}/other"),
    )
    assert plan.current == ("wh_6",)
    assert plan.new_origin == NEW
    assert not plan.empty


def test_nothing_to_do_when_no_webhook_points_at_the_old_tunnel() -> None:
    plan = plan_follow([hook("wh_1", "https://example.com/x")], OLD, NEW)
    assert plan.empty and plan.current == ()


def test_an_explicit_port_is_part_of_the_tunnel() -> None:
    plan = plan_follow(
        [hook("a", "https://127.0.0.1:4431/hooks"), hook("b", "https://127.0.0.1:9999/hooks")],
        "https://127.0.0.1:4431",
        "https://127.0.0.1:5552",
    )
    assert [(m.webhook_id, m.new_url) for m in plan.moves] == [("a", "https://127.0.0.1:5552/hooks")]


def test_userinfo_of_a_webhook_url_is_kept() -> None:
    plan = plan_follow([hook("a", "https://u:p@old-words-here.trycloudflare.com/h")], OLD, NEW)
    assert plan.moves[0].new_url == "https://u:p@new-words-there.trycloudflare.com/h"


def test_without_an_old_url_the_same_tools_quick_tunnels_move() -> None:
    plan = plan_follow(
        [
            hook("cf", "https://gone-gone-gone.trycloudflare.com/hooks"),
            hook("ng", "https://abcd-1-2-3-4.ngrok-free.app/hooks"),
            hook("own", "https://hooks.example.com/hooks"),
        ],
        None,
        NEW,
    )
    assert [m.webhook_id for m in plan.moves] == ["cf"]
    ngrok_plan = plan_follow(
        [hook("ng", "https://abcd.ngrok-free.app/h")], None, "https://efgh.ngrok-free.app"
    )
    assert ngrok_plan.moves[0].new_url == "https://efgh.ngrok-free.app/h"


def test_without_an_old_url_a_custom_domain_moves_nothing() -> None:
    plan = plan_follow([hook("cf", f"{OLD}/hooks")], None, "https://hooks.example.com")
    assert plan.empty


@pytest.mark.parametrize(
    ("url", "tool"),
    [
        (OLD, "cloudflared"),
        ("https://abc.ngrok-free.dev/x", "ngrok"),
        ("https://trycloudflare.com", None),  # the bare domain is not a tunnel
        ("https://mytrycloudflare.com", None),
        ("https://example.com", None),
    ],
)
def test_quick_tunnel_tool(url: str, tool: str | None) -> None:
    assert quick_tunnel_tool(url) == tool


def test_urls_that_are_not_http_are_refused() -> None:
    with pytest.raises(ValueError, match="not an http"):
        plan_follow([], OLD, "ftp://x")
    with pytest.raises(ValueError, match="not an http"):
        plan_follow([], "nonsense", NEW)


def test_webhooks_on_an_earlier_tunnel_of_ours_move_too() -> None:
    """An ngrok session on a domain that is not a per-run one, or a webhook an earlier update
    missed: known URLs of our tunnels count as old ones."""
    plan = plan_follow(
        [
            hook("older", "https://127.0.0.1:4431/hooks"),
            hook("custom", "https://team.example.com/hooks"),
            hook("cf", "https://gone-gone-gone.trycloudflare.com/hooks"),
        ],
        None,
        "https://127.0.0.1:5552",
        known_urls=["https://127.0.0.1:4431", "not a url"],
    )
    assert [(m.webhook_id, m.new_url) for m in plan.moves] == [("older", "https://127.0.0.1:5552/hooks")]
    plan = plan_follow([hook("cf", f"{OLD}/h")], None, NEW, known_urls=["https://team.example.com"])
    assert [m.webhook_id for m in plan.moves] == ["cf"]  # the quick-tunnel rule still applies
