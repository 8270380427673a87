"""Provider profiles: which API to talk to and how its routes look. Never secrets.

Two built-ins ("Production", "Local sandbox") plus user-defined ones saved as JSON in the config
dir. A user entry with a built-in's name overrides it (e.g. the port the app's own sandbox got).
The API access token of a profile lives in the keyring (secrets.api_token_entry), not here.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from inspector.core.io.atomic_file import atomic_write_json

PROFILES_FILENAME = "profiles.json"
PRODUCTION = "Production"
LOCAL_SANDBOX = "Local sandbox"
UPDATE_METHODS = ("PATCH", "PUT", "POST")


class ProfileError(ValueError):
    """A profile cannot be saved or loaded; the message is for the user."""


@dataclass(frozen=True, slots=True)
class Profile:
    """How to reach one provider API. Route templates are relative to api_url; `{id}` is the webhook id.

    The defaults are README.md's "Provider API (what we assume)", which the sandbox implements
    exactly.
    """

    name: str
    api_url: str
    webhooks_route: str = "/webhooks"  # GET = list, POST = create
    webhook_route: str = "/webhooks/{id}"  # GET, update, DELETE
    event_types_route: str = "/event-types"  # "" when the provider has no catalog endpoint
    update_method: str = "PATCH"
    # Where the webhook id sits in a response, tried in order; dots walk into objects.
    id_fields: tuple[str, ...] = ("id", "webhook_id", "data.id")
    is_sandbox: bool = False
    builtin: bool = field(default=False, compare=False)

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise ProfileError("a profile needs a name")
        if not self.api_url.startswith(("http://", "https://")):
            raise ProfileError(f"the API URL must start with http:// or https://: {self.api_url!r}")
        if self.update_method.upper() not in UPDATE_METHODS:
            raise ProfileError(f"update method must be one of {', '.join(UPDATE_METHODS)}")
        if "{id}" not in self.webhook_route:
            raise ProfileError("the webhook route must contain {id}")
        object.__setattr__(self, "update_method", self.update_method.upper())
        object.__setattr__(self, "id_fields", tuple(self.id_fields))
        object.__setattr__(self, "api_url", self.api_url.rstrip("/"))

    def with_api_url(self, api_url: str) -> Profile:
        return replace(self, api_url=api_url)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("builtin")
        data["id_fields"] = list(self.id_fields)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Profile:
        known = {f.name for f in fields(cls)} - {"builtin"}
        try:
            return cls(**{k: v for k, v in data.items() if k in known})
        except TypeError as exc:
            raise ProfileError(f"incomplete profile: {exc}") from None


BUILTIN_PROFILES: tuple[Profile, ...] = (
    Profile(PRODUCTION, "https://api.dba.thepennyinc.com/v1", builtin=True),
    # The app starts its own sandbox on a free port and saves the real URL as an override.
    Profile(LOCAL_SANDBOX, "http://127.0.0.1:8766/v1", is_sandbox=True, builtin=True),
)


class ProfileStore:
    """Built-in profiles plus the user's, kept in <config dir>/profiles.json."""

    def __init__(self, config_dir: Path) -> None:
        self.path = Path(config_dir) / PROFILES_FILENAME

    def all(self) -> list[Profile]:
        user = {p.name: p for p in self._load_user()}
        merged = [user.pop(b.name, b) for b in BUILTIN_PROFILES]
        return merged + sorted(user.values(), key=lambda p: p.name.lower())

    def names(self) -> list[str]:
        return [p.name for p in self.all()]

    def get(self, name: str) -> Profile:
        for profile in self.all():
            if profile.name == name:
                return profile
        raise ProfileError(f"no profile named {name!r} (known: {', '.join(self.names())})")

    def save(self, profile: Profile) -> None:
        user = [p for p in self._load_user() if p.name != profile.name]
        user.append(profile)
        self._write(user)

    def delete(self, name: str) -> None:
        """Remove a user profile (or a built-in's override, restoring the built-in)."""
        self._write([p for p in self._load_user() if p.name != name])

    def _load_user(self) -> list[Profile]:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return []
        except (OSError, ValueError) as exc:
            raise ProfileError(f"cannot read {self.path}: {exc}") from None
        if not isinstance(raw, dict) or not isinstance(raw.get("profiles"), list):
            raise ProfileError(f"{self.path} is not a profiles file")
        return [Profile.from_json(item) for item in raw["profiles"] if isinstance(item, dict)]

    def _write(self, profiles: list[Profile]) -> None:
        atomic_write_json(self.path, {"version": 1, "profiles": [p.to_json() for p in profiles]})
