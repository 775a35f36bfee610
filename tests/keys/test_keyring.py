"""The custodian's key ring, without a server: each wrapped key names the KEK that wrapped it; the
ring opens keys under the current KEK, a previous one, or (stored before ids) any it holds; a key
under a KEK it lacks is refused naming that KEK's id, never a key."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest

from shared.crypto import KeyRing, kek_id, seal, wrapped_parts
from shared.settings import SettingsError, load_settings

OLD, NEW, OTHER = os.urandom(32), os.urandom(32), os.urandom(32)
DEK = os.urandom(32)


def test_a_key_is_wrapped_under_the_current_kek_and_names_it() -> None:
    ring = KeyRing(NEW, [OLD])
    wrapped = ring.wrap("C-1", DEK)
    assert wrapped_parts(wrapped)[0] == kek_id(NEW) == ring.current_id
    assert ring.is_current(wrapped) and ring.unwrap("C-1", wrapped) == DEK
    assert sorted(ring.ids) == sorted({kek_id(NEW), kek_id(OLD)})


def test_keys_under_a_previous_kek_or_stored_before_ids_still_open() -> None:
    under_old = KeyRing(OLD).wrap("C-1", DEK)
    legacy = seal(OLD, DEK, b"C-1").encode()  # how keys were stored before they named their KEK
    ring = KeyRing(NEW, [OLD])
    assert ring.unwrap("C-1", under_old) == DEK and not ring.is_current(under_old)
    assert ring.unwrap("C-1", legacy) == DEK and wrapped_parts(legacy)[0] is None


def test_a_key_under_a_kek_the_ring_lacks_is_refused_naming_only_its_id() -> None:
    wrapped = KeyRing(OTHER).wrap("C-1", DEK)
    with pytest.raises(RuntimeError) as info:
        KeyRing(NEW, [OLD]).unwrap("C-1", wrapped)
    assert kek_id(OTHER) in str(info.value)
    assert base64.b64encode(OTHER).decode() not in str(info.value)
    # A wrapped key is bound to its case: moved to another case, it does not open.
    with pytest.raises(RuntimeError):
        KeyRing(OTHER).unwrap("C-2", wrapped)


def test_the_ring_comes_from_the_custodians_settings_and_bad_ones_are_named(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env file
    monkeypatch.delenv("SANCTUARY_KEK", raising=False)
    monkeypatch.delenv("SANCTUARY_KEK_PREVIOUS", raising=False)
    new, old = base64.b64encode(NEW).decode(), base64.b64encode(OLD).decode()
    ring = load_settings(SANCTUARY_KEK=new, SANCTUARY_KEK_PREVIOUS=f" {old} ,").kek_ring()
    assert ring.current_id == kek_id(NEW) and kek_id(OLD) in ring.ids
    with pytest.raises(SettingsError) as info:
        load_settings(SANCTUARY_KEK=new, SANCTUARY_KEK_PREVIOUS=f"{old},not-a-key")
    assert str(info.value).startswith("SANCTUARY_KEK_PREVIOUS: ") and "not-a-key" not in str(info.value)
    with pytest.raises(SettingsError, match=r"^SANCTUARY_KEK: is required by the key custodian"):
        load_settings().kek_ring()
