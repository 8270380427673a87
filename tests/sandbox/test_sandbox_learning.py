"""The offline demo exercises the learning: the real sandbox delivers over HTTP to the real
listener, its optional and nullable fields are learned as such, and a field added to the payload
is flagged on the next delivery."""

from __future__ import annotations

from inspector.core.capture.listener import Listener
from inspector.core.store.event_store import EventStore
from tests.sandbox.conftest import Api
from tests.waiting import wait_until

TYPE = "transaction.authorized"


def test_sandbox_deliveries_teach_optional_fields_and_an_added_field_is_flagged(
    api: Api, listener: Listener, store: EventStore
) -> None:
    api.create_webhook(listener.url + "/hooks", [TYPE])
    for _ in range(60):
        api.trigger(TYPE)
    wait_until(lambda: store.count("status:2xx") == 60, timeout=30)
    assert listener.learning is not None
    learner = listener.learning.learner
    wait_until(lambda: listener.learning is not None and listener.learning.learner.pending_samples() == 0)
    fields = {f.path: f for f in learner.summary(TYPE).fields}
    # The catalog's optional fields (inspector/sandbox/catalog.py): present in some deliveries only;
    # its nullable one: always sent, sometimes null.
    city = fields["data.merchant.city"]
    assert 0 < city.present < city.parent_present
    assert 0 < fields["data.metadata"].present < 60
    assert set(fields["data.wallet"].types) == {"null", "string"}
    assert fields["data.wallet"].present == 60

    api.trigger(TYPE, {"loyalty_points": 12})
    wait_until(lambda: store.count("status:2xx") == 61, timeout=30)
    [last] = store.query(f"type:{TYPE}", limit=1)
    event = store.get(last.seq)
    assert event is not None
    assert "new_shape" in event.flags
    lines = [d["text"] for d in event.extra["shape"]["differences"]]
    assert "data.loyalty_points: new field (integer)" in lines
