"""The Standing Together Sanctuary Scheme Monitoring Template's tables and row labels, word for word
(seed 000), and the scheme's own measures. The read models store these labels as categories."""

from __future__ import annotations

from shared.catalogue import MonitoringCategory

REFERRALS = "Referrals and installations"
RECEIVED = "Number of referrals received"
ACCEPTED = "Number of referrals accepted"
NOT_ACCEPTED = "Number of referrals not accepted"
CANCELLED = "Number of installations cancelled"
COMPLETED = "Number of installations completed"
# Not in the template: referrals received but not yet accepted or not accepted, on the first and the
# last day of each quarter (and of the period). Shown so that "received = accepted + not accepted +
# awaiting" holds in every column and the reader's arithmetic on the template's rows is honest.
AWAITING_START = "Referrals awaiting a decision at the start"
AWAITING_END = "Referrals awaiting a decision at the end"

REFERRAL_SOURCES = (
    "Housing association",
    "Police",
    "Private rented sector agency",
    "Social services",
    "Specialist domestic abuse service",
    "Other",
)
MEASURES = tuple(c.value for c in MonitoringCategory)  # the template's rows, then "Other"

GENDERS = ("Female", "Male", "Other")
GENDER_IDENTITY_DIFFERS = "Client's gender identity differs to the sex they were assigned at birth"
DISABILITIES = ("Physical", "Learning disability", "Mental illness", "Mental impairment")

# Ethnicity: each group heading (its subtotal) and its rows, as the template lists them.
ETHNIC_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Asian or Asian British", ("Indian", "Pakistani", "Bangladeshi", "Chinese", "Other Asian background")),
    (
        "Black, Black British, Caribbean or African",
        ("Caribbean", "African", "Other Black, Black British, or Caribbean background"),
    ),
    (
        "Mixed or multiple ethnic groups",
        (
            "White and Black Caribbean",
            "White and Black African",
            "White and Asian",
            "Other Mixed or multiple ethnic background",
        ),
    ),
    (
        "White",
        (
            "English, Welsh, Scottish, Northern Irish or British",
            "Irish",
            "Gypsy or Irish Traveller",
            "Roma",
            "Other White background",
        ),
    ),
    # The template's "Other ethnic group" has one row, "Other": Arab, any other ethnic group and
    # self-described ethnicities count there.
    ("Other ethnic group", ("Other",)),
)
INTERPRETER_NEEDED = "Interpreter needed"
AGE_BANDS = ("Under 18", "18-24", "25-34", "35-44", "45-54", "55-64", "65 or older")
ADDITIONAL_SUPPORT = ("No Recourse to Public Funds (NRPF)", "Pregnant", "Other")
ACCOMMODATION_TYPES = ("Bungalow", "Flat", "Maisonette", "Semi-detached", "Terraced", "Other")
TENURE_TYPES = (
    "Social housing",
    "Privately rented accommodation",
    "Privately owned accommodation",
    "Living with a friend/family member",
    "Refuge accommodation",
    "Sheltered/supported accommodation",
    "Other",
)
RISK_LEVELS = ("High risk", "Medium risk", "Low risk")
MARAC = "Number of clients with MARAC referral"
ARSON = "Number of clients with arson concerns"
UNKNOWN = "Unknown"
