"""The referral form's answers as the monitoring template's categories (seed 000). The form and the
template do not use the same boxes everywhere; these are the decisions, in one place:

- Gender: "Prefer to self-describe" counts as "Other"; "Prefer not to say" or no answer as "Unknown".
- Ethnicity: Arab, "Other ethnic group" and self-described ethnicities count in the template's
  "Other ethnic group" / "Other"; "Prefer not to say" or no answer as "Unknown".
- Tenure: council housing and housing associations are "Social housing"; "Other" counts as one of the
  template's further rows (living with a friend/family member, refuge, sheltered/supported) only when
  the form's "please specify" says exactly that; the words themselves are never stored.
- Yes / No / Unknown answers become True / False / None.
"""

from __future__ import annotations

from services.reporting.monitoring.report import template as T
from shared.contracts import referral as R

UNKNOWN = None

GENDER: dict[R.Gender, str] = {
    R.Gender.FEMALE: "Female",
    R.Gender.MALE: "Male",
    R.Gender.PREFER_TO_SELF_DESCRIBE: "Other",
}

TENURE: dict[R.Tenure, str] = {
    R.Tenure.COUNCIL_HOUSING: "Social housing",
    R.Tenure.HOUSING_ASSOCIATION: "Social housing",
    R.Tenure.PRIVATELY_RENTED: "Privately rented accommodation",
    R.Tenure.PRIVATELY_OWNED: "Privately owned accommodation",
}
# The template's tenure rows the form has no box for (reachable through "Other (please specify)").
TENURE_FROM_OTHER = {t.casefold(): t for t in T.TENURE_TYPES if t not in TENURE.values() and t != "Other"}

OTHER_ETHNIC_GROUP = "Other ethnic group"
OTHER_ETHNICITY = "Other"


def gender(answer: R.Gender | None) -> str | None:
    return GENDER.get(answer) if answer else UNKNOWN


def yes(answer: R.YesNoUnknown | R.YesNo) -> bool | None:
    if answer == "Yes":
        return True
    return False if answer == "No" else UNKNOWN


def identity_differs(same_as_at_birth: R.YesNoUnknown) -> bool | None:
    same = yes(same_as_at_birth)
    return None if same is None else not same


def ethnicity(answer: R.Ethnicity | None) -> tuple[str | None, str | None]:
    """(the template's row, its group heading)."""
    if answer is None or answer is R.Ethnicity.PREFER_NOT_TO_SAY:
        return UNKNOWN, UNKNOWN
    group = R.ETHNIC_GROUP_OF.get(answer)
    if group is None or group is R.EthnicGroup.OTHER:
        return OTHER_ETHNICITY, OTHER_ETHNIC_GROUP
    return answer.value, group.value


def age_band(band: R.AgeBand) -> str | None:
    return None if band is R.AgeBand.UNKNOWN else band.value


def tenure(answer: R.Tenure, other: str | None) -> str:
    if answer in TENURE:
        return TENURE[answer]
    return TENURE_FROM_OTHER.get((other or "").strip().casefold(), "Other")
