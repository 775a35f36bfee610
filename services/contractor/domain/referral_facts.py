"""What the contractor takes from the referral form: the client details the works order carries.

Only the fields the works order lists are kept; the rest of the form never enters the contractor's
state (``domain.state.evolve`` folds the rest of the referral side's events it needs: the urgent
flag, the approved items and the coordinator's decision to resume works).
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.contracts.contractor import UnsafeContactWindow
from shared.contracts.referral import ReferralForm
from shared.personal import ERASED


@dataclass(frozen=True)
class ClientFacts:
    """What the works order takes from the referral form, and nothing more."""

    name: str
    address: str
    telephone: str | None = None
    unsafe_contact_times: str | None = None
    unsafe_contact_windows: tuple[UnsafeContactWindow, ...] = ()
    female_installer_requested: bool = False
    password_requested: bool = False
    someone_present_requested: bool = False
    installation_requests: str | None = None
    # The case's personal data was erased: there is no one to send a works order about.
    erased: bool = False


def client_facts(form: ReferralForm) -> ClientFacts:
    client, wishes = form.client, form.installation
    erased = client.full_name == ERASED
    windows = client.unsafe_contact_windows
    requests = [text for text in (wishes.specific_requests, wishes.requests_or_concerns) if text]
    return ClientFacts(
        name=client.full_name,
        # The works order has one address line: the form's address with its postcode.
        address=client.address if erased else f"{client.address}, {client.postcode}",
        telephone=client.telephone,
        unsafe_contact_times=client.unsafe_contact_times,
        unsafe_contact_windows=tuple(w for w in windows if isinstance(w, UnsafeContactWindow))
        if isinstance(windows, list)
        else (),
        female_installer_requested=wishes.female_installer_requested,
        password_requested=wishes.password_requested,
        someone_present_requested=wishes.someone_present_requested,
        installation_requests="\n".join(requests) if requests and not erased else None,
        erased=erased,
    )
