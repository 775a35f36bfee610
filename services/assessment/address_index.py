"""The fire control room's sanctuary address register: answers "is this address a sanctuary
address?" one address at a time, and nothing else.

Addresses are held only as keyed hashes (HMAC-SHA256, under a key made at start-up) of
the normalised postcode and house number or name, so the index cannot be listed or read back as
addresses. It is rebuilt at start-up from the flag events and kept current from them.
"""

from __future__ import annotations

import hashlib
import hmac
import re

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from shared.contracts.assessment import FireFlagView, SanctuaryAddressFlagged, SanctuaryFlagRemoved
from shared.events import RecordedEvent
from shared.personal import ERASED

_INFO = b"sanctuary fire sanctuary-address index v1"


def index_key(kek: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(kek)


def normalise_postcode(postcode: str) -> str:
    return re.sub(r"\s+", "", postcode).upper()


def normalise_house(house: str) -> str:
    # "Flat 2, Rose Court" and "flat 2 rose court" are the same door.
    return " ".join(re.sub(r"[^\w\s]", " ", house.casefold()).split())


class SanctuaryAddressIndex:
    def __init__(self, key: bytes) -> None:
        self._key = key
        self._flags: dict[str, tuple[str, FireFlagView]] = {}  # address hash -> (case id, flag)
        self._by_case: dict[str, str] = {}  # case id -> address hash, to remove on SanctuaryFlagRemoved
        self.position = 0  # stream sequence of the last event applied

    def address_hash(self, postcode: str, house: str) -> str:
        text = f"{normalise_postcode(postcode)}|{normalise_house(house)}".encode()
        return hmac.new(self._key, text, hashlib.sha256).hexdigest()

    def apply(self, event: RecordedEvent) -> None:
        if event.seq and event.seq <= self.position:
            return  # already applied (read again)
        self.position = max(self.position, event.seq)
        payload = event.payload
        if isinstance(payload, SanctuaryAddressFlagged):
            flag = payload.flag
            if ERASED in (flag.postcode, flag.house):
                return  # erased case: nothing left to find
            self._drop(event.case_id)
            digest = self.address_hash(flag.postcode, flag.house)
            self._flags[digest] = (event.case_id, flag)
            self._by_case[event.case_id] = digest
        elif isinstance(payload, SanctuaryFlagRemoved):
            self._drop(event.case_id)

    def _drop(self, case_id: str) -> None:
        digest = self._by_case.pop(case_id, None)
        if digest is not None:
            self._flags.pop(digest, None)

    def find(self, postcode: str, house: str) -> tuple[str, FireFlagView] | None:
        """The case id and flag for this address, or None."""
        return self._flags.get(self.address_hash(postcode, house))

    def lookup(self, postcode: str, house: str) -> FireFlagView | None:
        found = self.find(postcode, house)
        return found[1] if found else None

    def __len__(self) -> int:
        return len(self._flags)
