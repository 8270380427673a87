"""Provider profiles: built-ins, user profiles in a real JSON file, no secrets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from inspector.core.provider.profiles import LOCAL_SANDBOX, PRODUCTION, Profile, ProfileError, ProfileStore


def test_builtins_and_defaults_match_the_design(tmp_path: Path) -> None:
    store = ProfileStore(tmp_path)
    assert store.names() == [PRODUCTION, LOCAL_SANDBOX]
    production = store.get(PRODUCTION)
    assert production.api_url == "https://api.dba.thepennyinc.com/v1"
    assert not production.is_sandbox
    assert (production.webhooks_route, production.webhook_route) == ("/webhooks", "/webhooks/{id}")
    assert production.update_method == "PATCH"
    assert production.id_fields == ("id", "webhook_id", "data.id")
    assert store.get(LOCAL_SANDBOX).is_sandbox
    assert not (tmp_path / "profiles.json").exists()  # reading never writes


def test_user_profiles_and_overrides_round_trip(tmp_path: Path) -> None:
    store = ProfileStore(tmp_path)
    store.save(Profile("Staging", "https://staging.example.test/v1/", update_method="put"))
    store.save(store.get(LOCAL_SANDBOX).with_api_url("http://127.0.0.1:45678/v1"))

    again = ProfileStore(tmp_path)
    assert again.names() == [PRODUCTION, LOCAL_SANDBOX, "Staging"]
    staging = again.get("Staging")
    assert (staging.api_url, staging.update_method) == ("https://staging.example.test/v1", "PUT")
    assert again.get(LOCAL_SANDBOX).api_url == "http://127.0.0.1:45678/v1"
    assert again.get(LOCAL_SANDBOX).is_sandbox

    again.delete(LOCAL_SANDBOX)  # drops the override: the built-in comes back
    assert ProfileStore(tmp_path).get(LOCAL_SANDBOX).api_url == "http://127.0.0.1:8766/v1"
    saved = json.loads((tmp_path / "profiles.json").read_text())
    assert not any("token" in key for p in saved["profiles"] for key in p)


def test_bad_profiles_are_refused_with_a_sentence(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match="http"):
        Profile("X", "ftp://x")
    with pytest.raises(ProfileError, match=r"\{id\}"):
        Profile("X", "https://x", webhook_route="/webhooks")
    with pytest.raises(ProfileError, match="update method"):
        Profile("X", "https://x", update_method="GET")
    with pytest.raises(ProfileError, match="no profile named 'Nope'"):
        ProfileStore(tmp_path).get("Nope")
    (tmp_path / "profiles.json").write_text("{oops")
    with pytest.raises(ProfileError, match="cannot read"):
        ProfileStore(tmp_path).all()
