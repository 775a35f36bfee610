"""The assessment side's option lists: intelligence findings, the DASH RIC's answers and its 27
questions, risk levels, MARAC criteria, and the fire service's sanctuary address flag (why it may be
held, reviewed or removed).

Sources: CHS DASH RIC and MARAC (seed 003); the Standing Together monitoring template's "Client
safety" rows (seed 000); South Essex fire service call-out system (seed 002).
"""

from __future__ import annotations

import enum

from shared.contracts.common import Text

__all__ = [
    "DASH_QUESTIONS",
    "DASH_QUESTION_COUNT",
    "DashAnswer",
    "Finding",
    "FlagRemovalReason",
    "FlagReviewDecision",
    "FreeText",
    "MaracCriterion",
    "RiskLevel",
    "SharingBasis",
]

FreeText = Text


class Finding(enum.StrEnum):
    """What the CPO's research on police intelligence systems found on a question."""

    YES = "yes"
    NO = "no"
    NOT_KNOWN = "not known"


class DashAnswer(enum.StrEnum):
    """One DASH RIC answer; only "yes" is a tick that counts towards the score."""

    YES = "yes"
    NO = "no"
    NOT_KNOWN = "not known"


class RiskLevel(enum.StrEnum):
    """The monitoring template's "Client safety" rows (DASH calls the lowest band "standard")."""

    HIGH = "High risk"
    MEDIUM = "Medium risk"
    STANDARD = "Low risk"


class MaracCriterion(enum.StrEnum):
    """Why a case goes to MARAC (SafeLives referral criteria)."""

    VISIBLE_HIGH_RISK = "visible high risk"
    PROFESSIONAL_JUDGEMENT = "professional judgement"
    POTENTIAL_ESCALATION = "potential escalation"
    REPEAT_REFERRAL = "repeat referral"


class SharingBasis(enum.StrEnum):
    """Why the sanctuary address may be shared with the fire service."""

    CONSENT = "consent"
    SAFEGUARDING_OVERRIDE = "safeguarding override"
    # The sharing agreement names a lawful basis for the fire service that needs no consent.
    LAWFUL_BASIS = "lawful basis"


class FlagRemovalReason(enum.StrEnum):
    """Why the sanctuary address comes off the fire service's call-out system."""

    RISK_HAS_GONE = "risk has gone"
    CLIENT_HAS_MOVED = "client has moved"
    CASE_CLOSED = "case closed"
    CONSENT_WITHDRAWN = "consent to information sharing withdrawn"
    LAWFUL_BASIS_ENDED = "lawful basis for holding the flag has ended"


class FlagReviewDecision(enum.StrEnum):
    """A review of the sanctuary address flag keeps it or removes it."""

    KEEP = "keep"
    REMOVE = "remove"


# The 27 questions of the ACPO DASH (2009) Risk Identification Checklist, police version, in order.
# "the abuser" stands where the form names them.
DASH_QUESTIONS: tuple[str, ...] = (
    "Has the current incident resulted in injury?",
    "Are you very frightened?",
    "What are you afraid of? Is it further injury or violence?",
    "Do you feel isolated from family/friends i.e. does the abuser try to stop you from seeing "
    "friends/family/doctor or others?",
    "Are you feeling depressed or having suicidal thoughts?",
    "Have you separated or tried to separate from the abuser within the past year?",
    "Is there conflict over child contact?",
    "Does the abuser constantly text, call, contact, follow, stalk or harass you?",
    "Are you pregnant or have you recently had a baby (within the last 18 months)?",
    "Are there any children, step-children that aren't the abuser's in the household? Or are there "
    "other dependants in the household (i.e. older relative)?",
    "Has the abuser ever hurt the children/dependants?",
    "Has the abuser ever threatened to hurt or kill the children/dependants?",
    "Is the abuse happening more often?",
    "Is the abuse getting worse?",
    "Does the abuser try to control everything you do and/or are they excessively jealous?",
    "Has the abuser ever used weapons or objects to hurt you?",
    "Has the abuser ever threatened to kill you or someone else and you believed them?",
    "Has the abuser ever attempted to strangle/choke/suffocate/drown you?",
    "Does the abuser do or say things of a sexual nature that make you feel bad or that physically "
    "hurt you or someone else?",
    "Is there any other person who has threatened you or who you are afraid of?",
    "Do you know if the abuser has hurt anyone else?",
    "Has the abuser ever mistreated an animal or the family pet?",
    "Are there any financial issues? For example, are you dependent on the abuser for money/have they "
    "recently lost their job/other financial issues?",
    "Has the abuser had problems in the past year with drugs (prescription or other), alcohol or "
    "mental health leading to problems in leading a normal life?",
    "Has the abuser ever threatened or attempted suicide?",
    "Has the abuser ever broken bail/an injunction and/or formal agreement for when they can see you "
    "and/or the children?",
    "Do you know if the abuser has ever been in trouble with the police or has a criminal history?",
)
DASH_QUESTION_COUNT = len(DASH_QUESTIONS)
