"""Event signatures: the libsodium signer gives exactly the Ed25519 signature the key's OpenSSL
implementation gives, and the auditor's verifier (libsodium) accepts it and nothing OpenSSL refuses."""

from __future__ import annotations

import base64
import hashlib
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.signing import SignatureVerifier, Signer, load_or_create_signer, load_verifier


@settings(max_examples=200, deadline=None)
@given(seed=st.binary(min_size=32, max_size=32), hashed=st.binary(max_size=256))
def test_signature_is_the_openssl_ed25519_signature_of_the_hash(seed: bytes, hashed: bytes) -> None:
    key = Ed25519PrivateKey.from_private_bytes(seed)
    event_hash = hashlib.sha256(hashed).hexdigest()
    signature = Signer("referral", key).sign(event_hash)
    assert base64.b64decode(signature) == key.sign(event_hash.encode())
    assert SignatureVerifier({"referral": key.public_key()}).verify("referral", event_hash, signature)


def test_verifier_refuses_another_hash_another_owner_and_another_key() -> None:
    key = Ed25519PrivateKey.generate()
    event_hash = hashlib.sha256(b"event").hexdigest()
    signature = Signer("referral", key).sign(event_hash)
    verifier = SignatureVerifier({"referral": key.public_key()})
    assert not verifier.verify("referral", hashlib.sha256(b"other").hexdigest(), signature)
    assert not verifier.verify("contractor", event_hash, signature)
    outsider = Signer("referral", Ed25519PrivateKey.generate()).sign(event_hash)
    assert not verifier.verify("referral", event_hash, outsider)


@settings(max_examples=300, deadline=None)
@given(
    seed=st.binary(min_size=32, max_size=32),
    flip=st.integers(min_value=0, max_value=64 * 8 - 1),
    forged=st.binary(min_size=64, max_size=64),
)
def test_verifier_accepts_nothing_openssl_refuses(seed: bytes, flip: int, forged: bytes) -> None:
    key = Ed25519PrivateKey.from_private_bytes(seed)
    event_hash = hashlib.sha256(seed).hexdigest()
    genuine = bytearray(key.sign(event_hash.encode()))
    genuine[flip // 8] ^= 1 << (flip % 8)
    verifier = SignatureVerifier({"referral": key.public_key()})
    for candidate in (bytes(genuine), forged):
        try:
            key.public_key().verify(candidate, event_hash.encode())
            openssl_accepts = True
        except InvalidSignature:
            openssl_accepts = False
        ours = verifier.verify("referral", event_hash, base64.b64encode(candidate).decode())
        assert not ours or openssl_accepts


def test_key_saved_to_disk_signs_the_same_after_reloading(tmp_path: Path) -> None:
    event_hash = hashlib.sha256(b"event").hexdigest()
    first = load_or_create_signer(tmp_path, "contractor").sign(event_hash)
    again = load_or_create_signer(tmp_path, "contractor").sign(event_hash)
    assert first == again
    loaded = serialization.load_pem_private_key((tmp_path / "contractor.key").read_bytes(), password=None)
    assert isinstance(loaded, Ed25519PrivateKey)
    assert base64.b64decode(first) == loaded.sign(event_hash.encode())
    assert load_verifier(tmp_path).verify("contractor", event_hash, first)


def test_each_service_keeps_its_private_key_apart_and_publishes_only_the_public_one(tmp_path: Path) -> None:
    public = tmp_path / "public-keys"
    event_hash = hashlib.sha256(b"event").hexdigest()
    signatures = {}
    for owner in ("referral", "contractor"):
        signatures[owner] = load_or_create_signer(tmp_path / f"{owner}-key", owner, public).sign(event_hash)
        assert [p.name for p in (tmp_path / f"{owner}-key").iterdir()] == [f"{owner}.key"]
        assert ((tmp_path / f"{owner}-key" / f"{owner}.key").stat().st_mode & 0o077) == 0
    assert sorted(p.name for p in public.iterdir()) == ["contractor.pub", "referral.pub"]
    verifier = load_verifier(public)
    assert verifier.verify("referral", event_hash, signatures["referral"])
    assert verifier.verify("contractor", event_hash, signatures["contractor"])
    assert not verifier.verify("referral", event_hash, signatures["contractor"])


def _start_and_sign(keys_dir: str) -> str:
    """What one replica does on starting: load (or create) its key, then sign."""
    return load_or_create_signer(Path(keys_dir), "referral").sign("a" * 64)


def test_replicas_starting_at_once_all_sign_with_the_published_key(tmp_path: Path) -> None:
    """Two replicas of a service may start together before either has a key: every one of them
    must sign with the key that is published, or its events read as forged."""
    with ProcessPoolExecutor(max_workers=4) as pool:
        for attempt in range(10):
            keys_dir = tmp_path / f"start-{attempt}"
            signatures = list(pool.map(_start_and_sign, [str(keys_dir)] * 8))
            verifier = load_verifier(keys_dir)
            assert all(verifier.verify("referral", "a" * 64, s) for s in signatures)
            assert sorted(p.name for p in keys_dir.iterdir()) == ["referral.key", "referral.pub"]
