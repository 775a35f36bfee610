"""The information-sharing agreement: a versioned policy file (config/sharing-policy.yaml) saying,
for each recipient, which events and which fields it receives and on what basis, and the pure
evaluator that applies it to one event of one case.

The file is checked when it is loaded: an unknown event type, a field that is not in that event's
payload (or that names a whole sub-record rather than exact fields), or a basis that is not on the
agreed lists, is an error naming the entry. A policy that loads can therefore only ever disclose
fields it lists by name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, model_validator

import shared.contracts  # noqa: F401  (registers every event type the policy may name)
from shared.config_file import ConfigFileError, load_config
from shared.contracts.reporting import ConsentPurpose, LawfulBasis, Recipient
from shared.events import Role, registry


class SharingPolicyError(ConfigFileError):
    """The policy file is missing or wrong; the message names the entry."""


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Basis(_Strict):
    """Either consent (every listed purpose given and not withdrawn) or a lawful basis (no consent needed)."""

    consent: list[ConsentPurpose] = Field(default_factory=list)
    lawful_basis: LawfulBasis | None = None

    @model_validator(mode="after")
    def _one_of(self) -> Basis:
        if bool(self.consent) == (self.lawful_basis is not None):
            raise ValueError("give either consent purposes or a lawful basis, not both and not neither")
        return self


class RecipientTerms(_Strict):
    description: str = Field(min_length=1)
    subject: str = Field(pattern=r"^view\.[a-z]+$")
    basis: Basis
    # Lawful bases of a recorded safeguarding override that restore this recipient's view.
    overrides: list[LawfulBasis] = Field(default_factory=list)
    # Event type -> the exact fields (dotted paths into its payload) this recipient receives.
    events: dict[str, list[str]] = Field(min_length=1)
    # Events that end this recipient's view of the case until one of its events comes again
    # (the fire register drops an address when its sanctuary flag is removed).
    ended_by: list[str] = Field(default_factory=list)


class FunderTerms(_Strict):
    description: str = Field(min_length=1)
    receives: Literal["anonymised monitoring report"]
    case_data: Literal[False]


class AuditRole(_Strict):
    role: Role
    personal_data: bool


class AuditTerms(_Strict):
    description: str = Field(min_length=1)
    roles: list[AuditRole] = Field(min_length=1)

    def may_audit(self, role: Role) -> bool:
        return any(r.role == role for r in self.roles)

    def sees_personal_data(self, role: Role) -> bool:
        return any(r.role == role and r.personal_data for r in self.roles)


class SharingPolicy(_Strict):
    version: str = Field(min_length=1, max_length=40)
    effective_from: date
    agreement: str = Field(min_length=1)
    recipients: dict[Recipient, RecipientTerms]
    funder: FunderTerms
    auditor: AuditTerms

    @model_validator(mode="after")
    def _entries_exist(self) -> SharingPolicy:
        problems: list[str] = []
        for recipient, terms in self.recipients.items():
            if terms.subject != f"view.{recipient.value}":
                problems.append(f"recipients.{recipient.value}.subject: must be view.{recipient.value}")
            for event_type in terms.ended_by:
                if event_type not in registry.all():
                    problems.append(f"recipients.{recipient.value}.ended_by.{event_type}: unknown event type")
            for event_type, paths in terms.events.items():
                entry = f"recipients.{recipient.value}.events.{event_type}"
                if event_type not in registry.all():
                    problems.append(f"{entry}: unknown event type")
                    continue
                if not paths:
                    problems.append(f"{entry}: lists no fields")
                model = registry.get(event_type)
                for path in paths:
                    problem = _check_path(model, path)
                    if problem:
                        problems.append(f"{entry}: field {path!r} {problem}")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def terms(self, recipient: Recipient) -> RecipientTerms | None:
        return self.recipients.get(recipient)

    def relevant_event_types(self) -> frozenset[str]:
        """Every event type that adds to or ends some recipient's view."""
        return frozenset(t for terms in self.recipients.values() for t in (*terms.events, *terms.ended_by))


def _sub_models(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found: list[type[BaseModel]] = []
    for arg in get_args(annotation) if get_origin(annotation) is not None else ():
        found.extend(_sub_models(arg))
    return found


def _check_path(model: type[BaseModel], path: str) -> str | None:
    """Why ``path`` is not an exact field of ``model`` (None if it is)."""
    current: type[BaseModel] | None = model
    parts = path.split(".")
    for i, part in enumerate(parts):
        if current is None or part not in current.model_fields:
            return "is not in the event's payload"
        subs = _sub_models(current.model_fields[part].annotation)
        last = i == len(parts) - 1
        if last and subs:
            return "is a whole sub-record; list its fields one by one"
        current = subs[0] if subs else None
    return None


def load_sharing_policy(path: Path) -> SharingPolicy:
    return load_config(SharingPolicy, path, SharingPolicyError)


# -- the evaluator ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseGrounds:
    """What a case's history says about sharing: consents as last answered, overrides recorded."""

    consents: Mapping[ConsentPurpose, bool] = field(default_factory=dict)
    # (recipient, lawful basis) -> the override event's id
    overrides: Mapping[tuple[Recipient, LawfulBasis], str] = field(default_factory=dict)


@dataclass(frozen=True)
class Grounds:
    """Why a recipient may see a case."""

    kind: Literal["consent", "lawful_basis", "override"]
    basis: str
    override_event_id: str | None = None


@dataclass(frozen=True)
class Refused:
    reason: str


def grounds_for(policy: SharingPolicy, recipient: Recipient, case: CaseGrounds) -> Grounds | Refused:
    """May ``recipient`` see this case at all, and on what basis."""
    terms = policy.terms(recipient)
    if terms is None:
        return Refused("the sharing agreement gives this recipient no case data")
    if terms.basis.lawful_basis is not None:
        return Grounds("lawful_basis", terms.basis.lawful_basis.value)
    missing = [p for p in terms.basis.consent if case.consents.get(p) is not True]
    if not missing:
        return Grounds("consent", "+".join(p.value for p in terms.basis.consent))
    for basis in terms.overrides:
        override_id = case.overrides.get((recipient, basis))
        if override_id is not None:
            return Grounds("override", basis.value, override_id)
    withdrawn = [p.value for p in missing if case.consents.get(p) is False]
    if withdrawn:
        return Refused("consent withdrawn or refused: " + ", ".join(withdrawn))
    return Refused("consent not recorded: " + ", ".join(p.value for p in missing))


@dataclass(frozen=True)
class Disclosure:
    """The part of one event a recipient receives: the payload pruned to the policy's fields."""

    grounds: Grounds
    fields: dict[str, Any]
    paths: tuple[str, ...]


def disclose(
    policy: SharingPolicy,
    recipient: Recipient,
    case: CaseGrounds,
    event_type: str,
    payload: Mapping[str, Any],
) -> Disclosure | None:
    """Pure: what of this event (``payload`` in JSON form) the recipient receives, or nothing."""
    terms = policy.terms(recipient)
    if terms is None or event_type not in terms.events:
        return None
    grounds = grounds_for(policy, recipient, case)
    if isinstance(grounds, Refused):
        return None
    selected, present = prune(terms, event_type, payload)
    return Disclosure(grounds=grounds, fields=selected, paths=present)


def prune(
    terms: RecipientTerms, event_type: str, payload: Mapping[str, Any]
) -> tuple[dict[str, Any], tuple[str, ...]]:
    """The fields of this event (one of ``terms.events``) the recipient receives, and which of the
    policy's paths for it are present: what ``disclose`` gives, whatever the grounds."""
    paths = tuple(terms.events[event_type])
    return select_fields(payload, paths), tuple(p for p in paths if _present(payload, p))


def select_fields(payload: Mapping[str, Any], paths: tuple[str, ...] | list[str]) -> dict[str, Any]:
    """A copy of ``payload`` holding only ``paths`` (through lists: each item keeps those fields)."""
    out: dict[str, Any] = {}
    for path in paths:
        _copy_path(payload, path.split("."), out)
    return out


def _copy_path(source: Any, parts: list[str], target: dict[str, Any]) -> None:
    head, rest = parts[0], parts[1:]
    if not isinstance(source, Mapping) or head not in source:
        return
    value = source[head]
    if not rest:
        target[head] = value
    elif isinstance(value, list) and value:
        items = target.setdefault(head, [{} for _ in value])
        for item, into in zip(value, items, strict=True):
            _copy_path(item, rest, into)
    elif isinstance(value, Mapping):
        _copy_path(value, rest, target.setdefault(head, {}))
    # An absent sub-record (None, or an empty list) discloses nothing.


def _present(payload: Mapping[str, Any], path: str) -> bool:
    return bool(select_fields(payload, [path]))


def field_paths(data: Any, prefix: str = "") -> set[str]:
    """Every leaf path in ``data`` (list items share their list's path), to compare with a policy."""
    if isinstance(data, Mapping):
        found: set[str] = set()
        for key, value in data.items():
            found |= field_paths(value, f"{prefix}{key}.")
        return found or ({prefix.rstrip(".")} if prefix else set())
    if isinstance(data, list) and data and all(isinstance(i, Mapping) for i in data):
        found = set()
        for item in data:
            found |= field_paths(item, prefix)
        return found
    return {prefix.rstrip(".")}
