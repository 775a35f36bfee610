"""Each service signs the hash of every event it writes (Ed25519), so an auditor holding only the
public keys can tell an event that came through its owning service from one published straight
to the stream."""

from __future__ import annotations

import base64
import contextlib
import os
import tempfile
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey, VerifyKey


class Signer:
    """Signs with libsodium: Ed25519 signatures are deterministic, so these are the very bytes
    OpenSSL would give for the same key, in about 60% of its time (the largest single cost of an
    append). Keys are still kept, loaded and checked with ``cryptography``."""

    def __init__(self, owner: str, key: Ed25519PrivateKey) -> None:
        self.owner = owner
        seed = key.private_bytes(
            serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
        )
        self._key = SigningKey(seed)

    def sign(self, event_hash: str) -> str:
        return base64.b64encode(self._key.sign(event_hash.encode()).signature).decode()


class SignatureVerifier:
    """Checks with libsodium, each owner's key decoded once: about a third of OpenSSL's time here,
    the largest single cost of ``audit verify``. It accepts no signature OpenSSL refuses (libsodium
    also refuses non-canonical and small-order encodings). Keys are loaded with ``cryptography``."""

    def __init__(self, public_keys: dict[str, Ed25519PublicKey]) -> None:
        self.raw_keys = {
            owner: key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            for owner, key in public_keys.items()
        }
        self._keys = {owner: VerifyKey(raw) for owner, raw in self.raw_keys.items()}

    @classmethod
    def from_raw(cls, raw_keys: dict[str, bytes]) -> SignatureVerifier:
        """From ``raw_keys`` (each owner's 32-byte public key), as another process is given them."""
        return cls({owner: Ed25519PublicKey.from_public_bytes(raw) for owner, raw in raw_keys.items()})

    def verify(self, owner: str, event_hash: str, signature: str) -> bool:
        key = self._keys.get(owner)
        if key is None or not signature:
            return False
        try:
            key.verify(event_hash.encode(), base64.b64decode(signature))
        except (BadSignatureError, ValueError):
            return False
        return True


def load_or_create_signer(keys_dir: Path, owner: str, public_dir: Path | None = None) -> Signer:
    """The service's private key from ``keys_dir/<owner>.key``, created (mode 600) on first start;
    its public key is (re)published as ``<owner>.pub`` in ``public_dir`` (default ``keys_dir``).

    Replicas of a service may start at once with no key yet: each writes a key of its own to a
    scratch file and links it into place, which only one link can do; the others load the winner's,
    so every replica signs with the key that is published."""
    keys_dir.mkdir(parents=True, exist_ok=True)
    private_path = keys_dir / f"{owner}.key"
    if not private_path.exists():
        _create_exclusively(private_path)
    loaded = serialization.load_pem_private_key(private_path.read_bytes(), password=None)
    if not isinstance(loaded, Ed25519PrivateKey):
        raise ValueError(f"{private_path.name}: not an Ed25519 private key")
    public_dir = public_dir or keys_dir
    public_dir.mkdir(parents=True, exist_ok=True)
    _write_replacing(
        public_dir / f"{owner}.pub",
        loaded.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
    )
    return Signer(owner, loaded)


def _create_exclusively(private_path: Path) -> None:
    """A new private key at ``private_path`` unless another process puts one there first."""
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    fd, scratch = tempfile.mkstemp(dir=private_path.parent, prefix=f".{private_path.name}.")  # mode 600
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(pem)
            out.flush()
            os.fsync(out.fileno())
        with contextlib.suppress(FileExistsError):  # another replica's key is in place: use it
            os.link(scratch, private_path)
    finally:
        os.unlink(scratch)


def _write_replacing(path: Path, data: bytes) -> None:
    """``data`` at ``path`` whole: a reader sees the old file or the new one, never half of one."""
    fd, scratch = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    os.chmod(scratch, 0o644)
    os.replace(scratch, path)


def load_verifier(keys_dir: Path) -> SignatureVerifier:
    keys: dict[str, Ed25519PublicKey] = {}
    for path in sorted(keys_dir.glob("*.pub")):
        loaded = serialization.load_pem_public_key(path.read_bytes())
        if isinstance(loaded, Ed25519PublicKey):
            keys[path.stem] = loaded
    return SignatureVerifier(keys)
