from __future__ import annotations

from inspector.core.shapes import ShapeLearner, markdown_text

from .bodies import authorized, card_created, changed, observe_all


def row(text: str, path: str, event_type: str = "transaction.authorized") -> list[str]:
    section = text.split(f"## {event_type}\n", 1)[1].split("\n## ", 1)[0]
    (line,) = [ln for ln in section.splitlines() if ln.startswith(f"| `{path}` |")]
    return [cell.strip() for cell in line.strip("|").split(" | ")]


def test_a_table_per_type_with_presence_formats_and_examples() -> None:
    learner = ShapeLearner()
    bodies = [authorized(n) for n in range(40)]
    for body in bodies[:10]:
        body["data"]["wallet"] = {"provider": "apple"}
    bodies[0]["data"]["wallet"]["device"] = "phone"
    observe_all(learner, [*bodies, card_created(1)])
    text = markdown_text(learner)
    assert text.index("## card.created") < text.index("## transaction.authorized")
    assert "| path | types | presence | formats | examples |" in text
    assert "40 deliveries, " in text
    currency_set = 'iso-4217; one of `"CHF"`, `"EUR"`, `"GBP"`, `"USD"`'
    assert row(text, "data.currency")[1:4] == ["string", "40/40 (100%)", currency_set]
    assert row(text, "data.created_at", "card.created")[2] == "1/1 (100%)"
    assert row(text, "data.created_at")[3] == "date-time"
    assert row(text, "data.wallet")[2] == "10/40 (25%)"
    assert row(text, "data.wallet.device")[2] == "1/40 (2%); 10% of `data.wallet`"
    assert row(text, "data.card.masked_pan")[4] == '`"424242******4242"`'
    assert row(text, "data.items[].quantity")[1] == "integer"


def test_mixed_types_show_their_counts() -> None:
    learner = ShapeLearner()
    bodies = [authorized(n) for n in range(4)]
    bodies[3] = changed(bodies[3], amount="12.50")
    observe_all(learner, bodies)
    assert row(markdown_text(learner), "data.amount")[1] == "integer (3), string (1)"


def test_values_cannot_break_the_table() -> None:
    learner = ShapeLearner()
    nasty = "a | b\n| c `d` \x1b[31m \u202e"
    body = changed(authorized(1), note=nasty, **{"odd|key": 1})
    observe_all(learner, [body] * 3)
    text = markdown_text(learner)
    note = [ln for ln in text.splitlines() if "data.note" in ln]
    assert len(note) == 1
    assert "\x1b" not in text and "\u202e" not in text
    assert "\\u001b" in note[0] and "\\u202e" in note[0]
    assert note[0].count(" | ") == 4  # five cells, the value's pipes escaped
    assert any('data["odd\\|key"]' in ln for ln in text.splitlines())
