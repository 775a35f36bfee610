"""The coordinator's report of tests/reporting/year.py, every section and row, worked out by hand.

Quarters of 1 April 2024 - 31 March 2025: Q1 Apr-Jun, Q2 Jul-Sep, Q3 Oct-Dec, Q4 Jan-Mar.
Installations completed: RA 10 Apr (Q1), RB 22 Jul (Q2), RF 17 Jan (Q4): the client, household and
safety tables count those three.
"""

from __future__ import annotations

from services.reporting.monitoring.report import template as T
from shared.catalogue import MonitoringCategory

Values = dict[str, int | float | None]
# The test scheme reports both kinds of a scheme's own measures, under its own name.
INDICATORS = "Test Sanctuary Scheme performance indicators"
STANDARDS = "Test Sanctuary Scheme service standards"


def n(q1: int = 0, q2: int = 0, q3: int = 0, q4: int = 0) -> Values:
    """Counts: the total is their sum."""
    return {"Q1": q1, "Q2": q2, "Q3": q3, "Q4": q4, "Total": q1 + q2 + q3 + q4}


def v(q1: float | None, q2: float | None, q3: float | None, q4: float | None, total: float | None) -> Values:
    """Averages, ranges, percentages and money: every column given."""
    return {"Q1": q1, "Q2": q2, "Q3": q3, "Q4": q4, "Total": total}


def only(total: float | None) -> Values:
    return v(None, None, None, None, total)


def zeros(labels: tuple[str, ...] | list[str], **given: Values) -> list[tuple[str, Values]]:
    return [(label, given.get(label, n())) for label in labels]


MEASURES = {
    "Door chain and viewer": n(1),  # RA: a door chain
    "Hinge bolts": n(2),  # RA: two
    "Window locks": n(0, 3),  # RB: three
    "Safe room": n(0, 1),  # RB: the sanctuary room door
    "Deadlock": n(0, 0, 0, 1),  # RF
    "Fireproof letterbox": n(0, 0, 0, 2),  # RF: one by the contractor, one by the fire service
    "Fire safety check": n(1, 0, 0, 1),  # RA, RF: the fire service's checks
    "Personal safety alarm": n(0, 0, 0, 1),  # RF
}

SECTIONS: list[tuple[str, list[tuple[str, Values]]]] = [
    (
        "Referrals and installations",
        [
            (T.RECEIVED, n(3, 1, 2, 2)),  # Q1 RA RB RH, Q2 RC, Q3 RD RE, Q4 RF RG
            (T.ACCEPTED, n(2, 2, 0, 2)),  # Q1 RA RH, Q2 RB RC, Q4 RF RG
            (T.NOT_ACCEPTED, n(0, 0, 2)),  # RD safeguarding, RE declined
            (T.AWAITING_START, v(0, 1, 0, 0, 0)),  # RB: received 28 June, accepted in July
            (T.AWAITING_END, v(1, 0, 0, 0, 0)),
            (T.CANCELLED, n(0, 1)),  # RC
            (T.COMPLETED, n(1, 1, 0, 1)),  # RA RB RF
        ],
    ),
    (
        "Referral sources",
        [
            ("Housing association", n(1)),  # RB
            ("Police", n(2, 0, 0, 2)),  # RA RH, RF RG
            ("Private rented sector agency", n()),
            ("Social services", n(0, 1)),  # RC
            ("Specialist domestic abuse service", n(0, 0, 1)),  # RE
            ("Other", n(0, 0, 1)),  # RD
        ],
    ),
    ("Measures installed", zeros([c.value for c in MonitoringCategory], **MEASURES)),
    (
        "Spend per household",
        [
            ("Lowest spend", v(35.0, 516.0, None, 120.0, 35.0)),
            ("Highest spend", v(35.0, 516.0, None, 120.0, 516.0)),
            ("Average spend per household", v(35.0, 516.0, None, 120.0, 223.67)),  # 671 / 3
        ],
    ),
    (
        "Days between referral and installation",
        # RA Mon 1 Apr (Easter Monday) -> Wed 10 Apr: 7; RB Fri 28 Jun -> Mon 22 Jul: 16;
        # RF Mon 6 Jan -> Fri 17 Jan: 9. Total 32 / 3.
        [("Average number of days between referral and installation", v(7.0, 16.0, None, 9.0, 10.7))],
    ),
    # RA Female; RB self-described: Other; RF not answered: Unknown.
    (
        "Gender",
        zeros(("Female", "Male", "Other", "Unknown"), Female=n(1), Other=n(0, 1), Unknown=n(0, 0, 0, 1)),
    ),
    ("Gender identity", [(T.GENDER_IDENTITY_DIFFERS, n(0, 1))]),  # RB
    (
        "Disability",
        [
            ("Physical", n(1)),  # RA
            ("Learning disability", n(0, 0, 0, 1)),  # RF
            ("Mental illness", n(0, 0, 0, 1)),  # RF
            ("Mental impairment", n()),
            ("Unknown", n()),  # RB answered "No disability"
        ],
    ),
    (
        "Ethnicity",
        [
            *zeros(("Asian or Asian British", "Indian"), **{"Asian or Asian British": n(1), "Indian": n(1)}),
            *zeros(("Pakistani", "Bangladeshi", "Chinese", "Other Asian background")),
            *zeros(
                (
                    "Black, Black British, Caribbean or African",
                    "Caribbean",
                    "African",
                    "Other Black, Black British, or Caribbean background",
                    "Mixed or multiple ethnic groups",
                    "White and Black Caribbean",
                    "White and Black African",
                    "White and Asian",
                    "Other Mixed or multiple ethnic background",
                )
            ),
            ("White", n(0, 0, 0, 1)),  # RF
            ("English, Welsh, Scottish, Northern Irish or British", n(0, 0, 0, 1)),
            *zeros(("Irish", "Gypsy or Irish Traveller", "Roma", "Other White background")),
            ("Other ethnic group", n(0, 1)),  # RB: Arab
            ("Other", n(0, 1)),
            ("Unknown", n()),
        ],
    ),
    (T.INTERPRETER_NEEDED, [(T.INTERPRETER_NEEDED, n(0, 1))]),  # RB
    ("Age", zeros((*T.AGE_BANDS, "Unknown"), **{"25-34": n(1), "45-54": n(0, 1), "35-44": n(0, 0, 0, 1)})),
    (
        "Additional support",
        [
            ("No Recourse to Public Funds (NRPF)", n(0, 1)),  # RB
            ("Pregnant", n(1)),  # RA
            ("Other", n(0, 1)),  # RB: adjustments to support her (the public flag)
        ],
    ),
    (
        "Accommodation type",
        zeros(T.ACCOMMODATION_TYPES, Flat=n(1), Terraced=n(0, 1), **{"Semi-detached": n(0, 0, 0, 1)}),
    ),
    (
        "Tenure type",
        zeros(
            T.TENURE_TYPES,
            **{
                "Social housing": n(1),  # RA: council housing
                "Refuge accommodation": n(0, 1),  # RB: "Other", specified as refuge accommodation
                "Privately owned accommodation": n(0, 0, 0, 1),  # RF
            },
        ),
    ),
    ("Number of dependent children", [("Number of dependent children", n(2, 0, 0, 3))]),
    # RA 4 and 9; RF 1, 2 and 3: (4 + 9 + 1 + 2 + 3) / 5.
    ("Average age of children", [("Average age of children", v(6.5, None, None, 2.0, 3.8))]),
    (
        "Client safety",
        [
            ("High risk", n(1)),  # RA by DASH
            ("Medium risk", n(0, 1)),  # RB: no DASH assessment; the form's RIC score 12
            ("Low risk", n(0, 0, 0, 1)),  # RF by DASH
            (T.MARAC, n(1, 1)),  # RA by DASH, RB by the form; RF's DASH said no
            (T.ARSON, n(1)),  # RA
        ],
    ),
    (
        "Reasons for non-acceptance",
        [
            ("Does not live or work in the borough", n(0, 0, 1)),  # RE
            ("In direct contact with the perpetrator", n()),
            ("Other", n()),
            ("Safeguarding referral to Children's Social Care", n(0, 0, 1)),  # RD
        ],
    ),
    (
        "Reasons for cancellation",
        zeros(
            ("Client withdrew consent", "Client could not be contacted", "Other"),
            **{"Client could not be contacted": n(0, 1)},
        ),
    ),
    ("Cost of measures installed", [("Total cost of measures installed", v(35.0, 516.0, 0.0, 120.0, 671.0))]),
    (
        INDICATORS,
        [
            # Works orders RA (Q1), RB RC (Q2), RF (Q4): RA and RF reached the same day, RB after two
            # days, RC never (given up on).
            ("Percentage of clients contacted within 24 hours", v(100.0, 0.0, None, 100.0, 50.0)),
            (
                "Percentage of clients the service was able to successfully contact",
                v(100.0, 50.0, None, 100.0, 75.0),
            ),
            # Offers: RA took up, RH withdrew (Q1); RB took up, RC cancelled (Q2); RF took up (Q4);
            # RG not decided yet.
            ("Percentage of clients taking up the service when offered", v(50.0, 50.0, None, 100.0, 60.0)),
            # Contractor: RA phone (Q1), RB letter + face to face (Q2), RC phone (Q2), RF phone (Q4).
            # Follow-ups: RA visit face to face (Q1), 3 months phone (Q2), 6 months phone (Q3); RF visit (Q4).
            ("Contacts by telephone", n(1, 2, 1, 1)),
            ("Contacts by face to face", n(1, 1, 0, 1)),
            ("Contacts by letter", n(0, 1)),
            ("Contacts by other", n()),
            ("Clients with children in household", n(1, 0, 0, 1)),  # RA, RF
            ("Total number of children in households", n(2, 0, 0, 3)),
            ("Complaints received", n(0, 1, 0, 1)),  # C-1 (RB), C-2 (RF)
            ("Complaints resolved", n(0, 1)),
            ("Complaints resolved in accordance with the complaints procedure", n(0, 1)),
            # RA reached after installation (Q1); RB never, though due (Q2); RF withdrew consent.
            (
                "Percentage of clients offered the opportunity to give feedback",
                v(100.0, 0.0, None, None, 50.0),
            ),
            ("Feedback forms completed", n(0, 1, 0, 1)),  # RA, RF
            (
                "Percentage of clients giving feedback who were satisfied or very satisfied",
                v(None, 100.0, None, 0.0, 50.0),
            ),
        ],
    ),
    (
        "Reasons for no take-up of the service when offered",
        [("Client could not be contacted", n(0, 1)), ("Client withdrew consent", n(1))],  # RC, RH
    ),
    (
        "Safety outcomes for clients at point of case closure",
        zeros(
            (
                "Client feels safer in their home",
                "No change in how safe the client feels",
                "Client feels less safe",
                "Client moved to alternative accommodation",
                "Unknown",
            ),
            **{"Client feels safer in their home": n(0, 0, 1)},  # RA closed in October
        ),
    ),
    (
        STANDARDS,
        [
            # Accepted -> CPO: RA RH on time (Q1); RB late, RC on time (Q2); RF on time, RG late (Q4).
            (
                "Referral to the Crime Reduction Officer within 1 working day of accepting the case",
                v(100.0, 50.0, None, 50.0, 66.7),
            ),
            # CPO -> assessment: RA (Q1); RB on time, RC never and late (Q2); RF, RG on time (Q4).
            # RH closed before it fell due (the May bank holiday moves it to 10 May).
            (
                "Assessment within 5 working days of receipt of the referral",
                v(100.0, 50.0, None, 100.0, 80.0),
            ),
            # RA 10 Apr (due 10 Apr); RB 16 Jul (due 12 Jul); RC cancelled 30 Jul, after 26 Jul; RF same day.
            (
                "Works commenced within 2 working days of receiving the works order",
                v(100.0, 0.0, None, 100.0, 50.0),
            ),
            # RB 22 Jul (due 19 Jul); RC cancelled before it fell due.
            (
                "Works completed within 7 working days of receiving the works order",
                v(100.0, 0.0, None, 100.0, 66.7),
            ),
            # RA 15 Apr, RF 30 Jan on time; RB none.
            (
                "Fire risk assessment within 10 working days of the works being completed",
                v(100.0, 0.0, None, 100.0, 66.7),
            ),
            ("Follow-up visit within 14 days of the works being completed", v(100.0, 0.0, None, 100.0, 66.7)),
            # RA 11 Jul (window opens 26 Jun, Q1); RB none (window opens 8 Oct, Q3); RF withdrew consent.
            ("Contact at 3 months after completion of works", v(100.0, None, 0.0, None, 50.0)),
            # RA 9 Oct (window opens 26 Sep, Q2); RB none (window opens 8 Jan, Q4).
            ("Contact at 6 months after completion of works", v(None, 100.0, None, 0.0, 50.0)),
            # RA closed before; RB not yet due.
            ("Contact at 12 months after completion of works", v(None, None, None, None, None)),
        ],
    ),
    (
        "Spend against budget and household target",
        [
            ("Spend on measures installed", v(35.0, 516.0, 0.0, 120.0, 671.0)),
            ("Annual budget", only(75000.0)),
            ("Budget remaining", only(74329.0)),
            # RG approved at 250.00, not installed; RC's approval was cancelled, the rest installed.
            ("Approved measures not yet installed (estimated cost)", only(250.0)),
            ("Households with installations completed", n(1, 1, 0, 1)),
            ("Household target", only(60)),
            ("Percentage of household target reached", only(5.0)),  # 3 of 60
        ],
    ),
]

# The case references the coordinator sees behind rows (late, missed or cancelled).
CASES = {
    ("Referrals and installations", T.CANCELLED): ["RC"],
    ("Reasons for cancellation", "Client could not be contacted"): ["RC"],
    (INDICATORS, "Percentage of clients contacted within 24 hours"): ["RB", "RC"],
    (
        INDICATORS,
        "Percentage of clients the service was able to successfully contact",
    ): ["RC"],
    (
        STANDARDS,
        "Referral to the Crime Reduction Officer within 1 working day of accepting the case",
    ): ["RB", "RG"],
    (STANDARDS, "Assessment within 5 working days of receipt of the referral"): ["RC"],
    (
        STANDARDS,
        "Works commenced within 2 working days of receiving the works order",
    ): ["RB", "RC"],
    (
        STANDARDS,
        "Works completed within 7 working days of receiving the works order",
    ): ["RB"],
    (
        STANDARDS,
        "Fire risk assessment within 10 working days of the works being completed",
    ): ["RB"],
    (STANDARDS, "Follow-up visit within 14 days of the works being completed"): ["RB"],
    (STANDARDS, "Contact at 3 months after completion of works"): ["RB"],
    (STANDARDS, "Contact at 6 months after completion of works"): ["RB"],
}
