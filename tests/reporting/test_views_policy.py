"""The information-sharing policy file: validated at load, naming the entry; and the pure evaluator."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from shared.contracts.assessment import SanctuaryAddressFlagged
from shared.contracts.reporting import ConsentPurpose, LawfulBasis, Recipient
from shared.events import Role
from shared.settings import CONFIG_DIR
from shared.sharing import (
    CaseGrounds,
    Grounds,
    Refused,
    SharingPolicyError,
    disclose,
    field_paths,
    grounds_for,
    load_sharing_policy,
    select_fields,
)
from tests.builders import fire_flagged

POLICY_FILE = CONFIG_DIR / "sharing-policy.yaml"
FIRE_REGISTER = {
    "flag.address",
    "flag.house",
    "flag.postcode",
    "flag.sanctuary_room",
    "flag.sanctuary_room_at_front",
    "flag.risk_of_arson",
    "flag.occupants",
    "flag.children",
    "flag.rescue_needs",
    "flag.flagged_on",
}
CONSENTED = CaseGrounds(consents=dict.fromkeys(ConsentPurpose, True))


def flagged() -> SanctuaryAddressFlagged:
    return fire_flagged(
        sanctuary_room="back bedroom",
        sanctuary_room_at_front=False,
        rescue_needs="wheelchair user",
        flagged_on=date(2025, 5, 1),
    )


def write_policy(tmp_path: Path, change) -> Path:
    raw = yaml.safe_load(POLICY_FILE.read_text())
    change(raw)
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


def load_with(tmp_path: Path, change) -> str:
    with pytest.raises(SharingPolicyError) as caught:
        load_sharing_policy(write_policy(tmp_path, change))
    return str(caught.value)


def test_the_shipped_policy_loads_with_every_recipient_and_its_subject():
    policy = load_sharing_policy(POLICY_FILE)
    assert set(policy.recipients) == set(Recipient)
    for recipient, terms in policy.recipients.items():
        assert terms.subject == f"view.{recipient.value}"
    assert policy.funder.case_data is False
    assert policy.auditor.may_audit(Role.AUDITOR) and not policy.auditor.sees_personal_data(Role.AUDITOR)
    assert not policy.auditor.may_audit(Role.INSTALLER)


def test_the_fire_register_receives_exactly_its_agreed_fields():
    policy = load_sharing_policy(POLICY_FILE)
    fire = policy.recipients[Recipient.FIRE]
    assert list(fire.events) == ["SanctuaryAddressFlagged"]
    assert set(fire.events["SanctuaryAddressFlagged"]) == FIRE_REGISTER
    assert fire.ended_by == ["SanctuaryFlagRemoved"]


def test_an_unknown_event_type_is_an_error_naming_the_entry(tmp_path):
    message = load_with(tmp_path, lambda raw: raw["recipients"]["police"]["events"].update(Madeup=["x"]))
    assert "recipients.police.events.Madeup: unknown event type" in message


def test_a_field_not_in_the_payload_is_an_error_naming_the_entry_and_field(tmp_path):
    def change(raw):
        raw["recipients"]["fire"]["events"]["SanctuaryAddressFlagged"].append("flag.perpetrator_name")

    message = load_with(tmp_path, change)
    assert "recipients.fire.events.SanctuaryAddressFlagged: field 'flag.perpetrator_name'" in message
    assert "is not in the event's payload" in message


def test_a_whole_sub_record_must_be_listed_field_by_field(tmp_path):
    # Naming "flag" would let any field later added to the record through unseen.
    def change(raw):
        raw["recipients"]["fire"]["events"]["SanctuaryAddressFlagged"] = ["flag"]

    assert "is a whole sub-record; list its fields one by one" in load_with(tmp_path, change)


def test_bad_basis_subject_and_unknown_keys_are_errors_naming_the_entry(tmp_path):
    def both_bases(raw):
        raw["recipients"]["idva"]["basis"] = {
            "consent": ["information_sharing"],
            "lawful_basis": "public_task",
        }

    assert "recipients.idva.basis" in load_with(tmp_path, both_bases)
    message = load_with(tmp_path, lambda raw: raw["recipients"]["idva"]["basis"].update(consent=["gossip"]))
    assert "recipients.idva.basis.consent.0" in message
    message = load_with(tmp_path, lambda raw: raw["recipients"]["idva"].update(subject="view.police"))
    assert "recipients.idva.subject: must be view.idva" in message
    assert "recipients.police.colour" in load_with(
        tmp_path, lambda raw: raw["recipients"]["police"].update(colour="blue")
    )
    assert "funder.case_data" in load_with(tmp_path, lambda raw: raw["funder"].update(case_data=True))
    assert "recipients.fire.ended_by.Nothing: unknown event type" in load_with(
        tmp_path, lambda raw: raw["recipients"]["fire"].update(ended_by=["Nothing"])
    )


def test_a_missing_or_malformed_file_is_a_clear_error(tmp_path):
    with pytest.raises(SharingPolicyError, match="cannot be read"):
        load_sharing_policy(tmp_path / "absent.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: [unclosed")
    with pytest.raises(SharingPolicyError, match="not valid YAML"):
        load_sharing_policy(bad)


def test_consent_gives_the_fire_register_its_fields_and_nothing_else():
    policy = load_sharing_policy(POLICY_FILE)
    payload = flagged().model_dump(mode="json")
    disclosure = disclose(policy, Recipient.FIRE, CONSENTED, "SanctuaryAddressFlagged", payload)
    assert disclosure is not None
    assert field_paths(disclosure.fields) == FIRE_REGISTER
    assert "shared_under" not in disclosure.fields
    assert disclosure.grounds == Grounds("consent", "information_sharing")
    assert set(disclosure.paths) == FIRE_REGISTER


def test_withdrawn_consent_refuses_and_an_allowed_override_restores():
    policy = load_sharing_policy(POLICY_FILE)
    withdrawn = CaseGrounds(consents={ConsentPurpose.INFORMATION_SHARING: False})
    refused = grounds_for(policy, Recipient.POLICE, withdrawn)
    assert isinstance(refused, Refused) and "information_sharing" in refused.reason
    payload = flagged().model_dump(mode="json")
    assert disclose(policy, Recipient.FIRE, withdrawn, "SanctuaryAddressFlagged", payload) is None

    overridden = CaseGrounds(
        consents=withdrawn.consents, overrides={(Recipient.POLICE, LawfulBasis.SAFEGUARDING): "ev-1"}
    )
    assert grounds_for(policy, Recipient.POLICE, overridden) == Grounds("override", "safeguarding", "ev-1")
    # An override for the police does not reach the fire register.
    assert isinstance(grounds_for(policy, Recipient.FIRE, overridden), Refused)
    # Housing's terms allow no override at all.
    housing = CaseGrounds(
        consents=withdrawn.consents, overrides={(Recipient.HOUSING, LawfulBasis.SAFEGUARDING): "ev-2"}
    )
    assert isinstance(grounds_for(policy, Recipient.HOUSING, housing), Refused)


def test_consent_never_recorded_is_not_consent():
    policy = load_sharing_policy(POLICY_FILE)
    refused = grounds_for(policy, Recipient.CONTRACTOR, CaseGrounds())
    assert isinstance(refused, Refused) and refused.reason.startswith("consent not recorded")


def test_an_event_type_outside_the_recipients_terms_discloses_nothing():
    policy = load_sharing_policy(POLICY_FILE)
    payload = flagged().model_dump(mode="json")
    assert disclose(policy, Recipient.POLICE, CONSENTED, "SanctuaryAddressFlagged", payload) is None


def test_select_fields_keeps_list_items_and_drops_absent_sub_records():
    payload = {
        "items": [{"code": "A", "cost": 3, "note": "x"}, {"code": "B", "cost": 4, "note": "y"}],
        "room": None,
        "empty": [],
        "secret": "s",
    }
    out = select_fields(payload, ["items.code", "room.floor", "empty.code"])
    assert out == {"items": [{"code": "A"}, {"code": "B"}]}
