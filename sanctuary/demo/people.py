"""Synthetic clients and their referral forms, with the mixes a real scheme year shows.

Everything here is invented: names from made-up lists, streets in "Demoton", postcodes in the
fictional area "TE", telephones in Ofcom's drama ranges (07700 900xxx, 020 7946 0xxx). The mixes
(referral sources, gender, ethnicity, disability, tenure, children, DASH, arson) are drawn with the
caller's random.Random, so a seed gives the same people every time.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import Any

from shared.contracts.contractor import UnsafeContactWindow, Weekday
from shared.contracts.referral import (
    AboutTheClient,
    AccommodationPermanence,
    AccommodationType,
    ConsentAnswers,
    Disability,
    EligibilityFacts,
    Ethnicity,
    Gender,
    Household,
    InstallationRequests,
    InterimMeasure,
    ReferralSource,
    ReferrerDetails,
    SexualOrientation,
    SubmittedClientDetails,
    SubmittedClientSafety,
    SubmittedForm,
    Tenure,
    YesNo,
    YesNoUnknown,
)
from shared.events import Actor, Role

FIRST_NAMES = (
    "Alice", "Bea", "Carys", "Dana", "Eshe", "Farah", "Gwen", "Hana", "Ines", "Jaya", "Kemi", "Lena",
    "Mira", "Nell", "Orla", "Pia", "Rhea", "Suki", "Tova", "Una", "Vida", "Wren", "Yara", "Zoe",
    "Alex", "Sam", "Jo", "Robin",
)  # fmt: skip
SURNAMES = (
    "Example", "Sample", "Testwell", "Demoford", "Mockridge", "Placeby", "Fictor", "Specimen",
    "Trialson", "Modelle", "Pretendi", "Dummett",
)  # fmt: skip
STREETS = ("Lantern", "Juniper", "Quill", "Bramble", "Copper", "Heron", "Marigold", "Tinker")
# Weights are realistic proportions for a London scheme, not figures from any real one.
SOURCES = {
    ReferralSource.SPECIALIST_DOMESTIC_ABUSE_SERVICE: 34,
    ReferralSource.POLICE: 24,
    ReferralSource.HOUSING_ASSOCIATION: 18,
    ReferralSource.SOCIAL_SERVICES: 12,
    ReferralSource.PRIVATE_RENTED_SECTOR_AGENCY: 5,
    ReferralSource.OTHER: 7,
}
GENDERS: dict[Gender | None, int] = {
    Gender.FEMALE: 82,
    Gender.MALE: 9,
    Gender.PREFER_NOT_TO_SAY: 4,
    Gender.PREFER_TO_SELF_DESCRIBE: 2,
    None: 3,
}
ETHNICITIES: dict[Ethnicity | None, int] = {
    Ethnicity.BRITISH: 30,
    Ethnicity.BANGLADESHI: 14,
    Ethnicity.AFRICAN: 8,
    Ethnicity.CARIBBEAN: 5,
    Ethnicity.INDIAN: 4,
    Ethnicity.PAKISTANI: 4,
    Ethnicity.OTHER_WHITE: 7,
    Ethnicity.WHITE_AND_BLACK_CARIBBEAN: 3,
    Ethnicity.CHINESE: 2,
    Ethnicity.ARAB: 2,
    Ethnicity.ROMA: 1,
    Ethnicity.PREFER_TO_SELF_DESCRIBE: 2,
    Ethnicity.PREFER_NOT_TO_SAY: 6,
    None: 12,
}
DISABILITIES: tuple[tuple[list[Disability], int], ...] = (
    ([Disability.NO_DISABILITY], 50),
    ([Disability.MENTAL_ILLNESS], 14),
    ([Disability.PHYSICAL], 9),
    ([Disability.PHYSICAL, Disability.MENTAL_ILLNESS], 4),
    ([Disability.LEARNING_DISABILITY], 3),
    ([Disability.PREFER_NOT_TO_SAY], 6),
    ([], 14),  # not answered: counted as unknown
)
TENURES = {
    Tenure.COUNCIL_HOUSING: 36,
    Tenure.HOUSING_ASSOCIATION: 30,
    Tenure.PRIVATELY_RENTED: 14,
    Tenure.PRIVATELY_OWNED: 15,
    Tenure.OTHER: 5,
}
ACCOMMODATION = {
    AccommodationType.FLAT: 45,
    AccommodationType.TERRACED: 20,
    AccommodationType.MAISONETTE: 12,
    AccommodationType.SEMI_DETACHED: 12,
    AccommodationType.BUNGALOW: 6,
    AccommodationType.OTHER: 5,
}
ORIENTATIONS: dict[SexualOrientation | None, int] = {
    SexualOrientation.HETEROSEXUAL_STRAIGHT: 70,
    SexualOrientation.BISEXUAL: 4,
    SexualOrientation.GAY_WOMAN_LESBIAN: 4,
    SexualOrientation.PREFER_NOT_TO_SAY: 10,
    None: 12,
}
REFERRER_ROLE = {
    ReferralSource.SPECIALIST_DOMESTIC_ABUSE_SERVICE: (Role.IDVA, "Demo Domestic Abuse Service"),
    ReferralSource.POLICE: (Role.REFERRER, "Demoshire Police Public Protection"),
    ReferralSource.HOUSING_ASSOCIATION: (Role.HOUSING_OFFICER, "Demo Homes Housing Association"),
    ReferralSource.SOCIAL_SERVICES: (Role.REFERRER, "Demo Borough Adult Social Care"),
    ReferralSource.PRIVATE_RENTED_SECTOR_AGENCY: (Role.REFERRER, "Demo Lettings Agency"),
    ReferralSource.OTHER: (Role.REFERRER, "Demo GP Practice"),
}


def pick(rng: random.Random, weights: dict[Any, int]) -> Any:
    options = list(weights)
    return rng.choices(options, weights=[weights[o] for o in options])[0]


@dataclass(frozen=True)
class Client:
    """The answers the storyline needs later (the form itself carries the rest)."""

    form: SubmittedForm
    consents: ConsentAnswers
    referrer: Actor
    house: str
    tenure: Tenure
    dash_score: int
    female_installer: bool
    unsafe_windows: tuple[UnsafeContactWindow, ...]


def drama_mobile(rng: random.Random) -> str:
    return f"07700 900{rng.randrange(1000):03d}"


def date_of_birth(rng: random.Random, received: date, under_18: bool) -> date:
    age = 17 if under_18 else rng.choices([21, 29, 38, 47, 58, 69], weights=[14, 30, 28, 16, 8, 4])[0]
    return received - timedelta(days=365 * age + rng.randrange(300))


def dash_score(rng: random.Random) -> int:
    """A spread across the three DASH bands: high (14+), medium (10-13) and standard."""
    band = rng.choices(["high", "medium", "standard"], weights=[35, 30, 35])[0]
    if band == "high":
        return rng.randint(14, 21)
    if band == "medium":
        return rng.randint(10, 13)
    return rng.randint(3, 9)


def make_client(
    rng: random.Random, number: int, received: date, *, under_18: bool, urgent: bool, eligible: bool
) -> Client:
    """A synthetic client and referral form. ``eligible=False`` gives a client who wishes to move
    (the scheme's decline path). No civil order is recorded: its expiry is judged against the real
    day of sending, which a replayed past year cannot know."""
    first, surname = rng.choice(FIRST_NAMES), rng.choice(SURNAMES)
    house = str(rng.randint(1, 180))
    postcode = f"TE{rng.randint(1, 9)} {rng.randint(1, 9)}{rng.choice('ABDEFGHJ')}{rng.choice('LNPQRSTU')}"
    source = pick(rng, SOURCES)
    role, agency = REFERRER_ROLE[source]
    referrer_no = rng.randint(10, 99)
    referrer = Actor(agency=agency, person=f"referrer-{referrer_no}", role=role)
    tenure = pick(rng, TENURES)
    accommodation = pick(rng, ACCOMMODATION)
    gender = pick(rng, GENDERS)
    ethnicity = pick(rng, ETHNICITIES)
    orientation = pick(rng, ORIENTATIONS)
    disabilities = rng.choices([d for d, _ in DISABILITIES], weights=[w for _, w in DISABILITIES])[0]
    children = rng.choices([0, 1, 2, 3], weights=[38, 30, 22, 10])[0]
    score = dash_score(rng)
    dash_done = rng.random() < 0.85
    arson = rng.random() < 0.15
    police = source is ReferralSource.POLICE or rng.random() < 0.5
    marac = dash_done and score >= 14
    female_installer = rng.random() < 0.25
    windows: tuple[UnsafeContactWindow, ...] = ()
    if rng.random() < 0.4:
        # Evenings, when the perpetrator may be around: the contractor must not call then.
        windows = (
            UnsafeContactWindow(
                days=[Weekday.MONDAY, Weekday.TUESDAY, Weekday.WEDNESDAY, Weekday.THURSDAY, Weekday.FRIDAY],
                start=time(17),
                end=time(21),
            ),
        )
    interpreter = rng.random() < 0.12
    form = SubmittedForm(
        referrer=ReferrerDetails(
            full_name=f"{rng.choice(FIRST_NAMES)} Referrer{referrer_no}",
            job_title={Role.IDVA: "IDVA", Role.HOUSING_OFFICER: "Housing Officer"}.get(role, "Caseworker"),
            organisation=agency,
            email=f"referrer{referrer_no}@example.org",
            telephone=f"020 7946 0{rng.randrange(1000):03d}",
        ),
        client=SubmittedClientDetails(
            full_name=f"{first} {surname}",
            date_of_birth=date_of_birth(rng, received, under_18),
            address=f"{house} {rng.choice(STREETS)} Road, Demoton, {postcode}",
            postcode=postcode,
            telephone=drama_mobile(rng),
            unsafe_contact_times="Weekday evenings 5pm to 9pm" if windows else None,
            unsafe_contact_windows=list(windows),
        ),
        about_client=AboutTheClient(
            gender=gender,
            gender_self_description="Non-binary" if gender is Gender.PREFER_TO_SELF_DESCRIBE else None,
            gender_identity_same_as_sex_at_birth=rng.choice(list(YesNoUnknown)),
            sexual_orientation=orientation,
            ethnicity=ethnicity,
            ethnicity_self_description=(
                "Mixed heritage (synthetic)" if ethnicity is Ethnicity.PREFER_TO_SELF_DESCRIBE else None
            ),
            interpreter_needed=YesNoUnknown.YES if interpreter else YesNoUnknown.NO,
            language=rng.choice(["Bengali", "Somali", "Polish", "Arabic"]) if interpreter else None,
            disabilities=list(disabilities),
            pregnant=YesNoUnknown.YES if rng.random() < 0.06 else YesNoUnknown.UNKNOWN,
        ),
        household=Household(
            accommodation_type=accommodation,
            accommodation_other="Converted house" if accommodation is AccommodationType.OTHER else None,
            tenure=tenure,
            tenure_other="Shared ownership" if tenure is Tenure.OTHER else None,
            names_on_tenancy=f"{first} {surname}",
            number_of_children=children,
            ages_of_children=[rng.randint(0, 16) for _ in range(children)],
        ),
        safety=_safety(rng, received, score, dash_done, marac, police, arson, urgent),
        installation=InstallationRequests(
            female_installer_requested=female_installer,
            someone_present_requested=rng.random() < 0.2,
            password_requested=rng.random() < 0.3,
        ),
        referral_source=source,
        referral_source_other="GP surgery" if source is ReferralSource.OTHER else None,
        eligibility_facts=EligibilityFacts(
            perpetrator_lives_at_property=YesNoUnknown.NO,
            wishes_to_remain=YesNoUnknown.YES if eligible else YesNoUnknown.NO,
            resident_in_borough=YesNoUnknown.YES,
            accommodation_permanence=AccommodationPermanence.PERMANENT,
            in_direct_contact_with_perpetrator=YesNoUnknown.NO,
        ),
    )
    consents = ConsentAnswers(
        installation=YesNo.YES,
        landlord_contact=YesNo.YES,
        information_sharing=YesNo.NO if rng.random() < 0.05 else YesNo.YES,
        follow_up_contact=YesNo.NO if rng.random() < 0.08 else YesNo.YES,
    )
    return Client(
        form=form,
        consents=consents,
        referrer=referrer,
        house=house,
        tenure=tenure,
        dash_score=score,
        female_installer=female_installer,
        unsafe_windows=windows,
    )


def _safety(
    rng: random.Random,
    received: date,
    score: int,
    dash_done: bool,
    marac: bool,
    police: bool,
    arson: bool,
    urgent: bool,
) -> SubmittedClientSafety:
    return SubmittedClientSafety(
        perpetrator_name=f"{rng.choice(['Rob', 'Dan', 'Lee', 'Kit', 'Max'])} {rng.choice(SURNAMES)}",
        perpetrator_whereabouts="Lives elsewhere in the borough (synthetic record)",
        recent_incidents="Synthetic demo record: repeated attempts to gain entry in recent weeks",
        dash_completed=YesNo.YES if dash_done else YesNo.NO,
        ric_score=score if dash_done else None,
        marac_referral=YesNo.YES if marac else YesNo.NO,
        marac_date=received + timedelta(days=rng.randint(7, 21)) if marac else None,
        police_involvement=YesNo.YES if police else YesNo.NO,
        police_details="Incident reported; officer in case assigned (synthetic)" if police else None,
        risk_of_arson=YesNo.YES if arson else YesNo.NO,
        arson_details="Threats to set fire to the front door (synthetic)" if arson else None,
        specialist_service_referral=YesNo.YES if rng.random() < 0.7 else YesNo.NO,
        interim_measures=[InterimMeasure.EMERGENCY_LOCK_CHANGE] if urgent else [],
        interim_measures_details="Perpetrator still has keys (synthetic)" if urgent else None,
        civil_order=YesNo.NO,
    )
