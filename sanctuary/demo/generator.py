"""The synthetic scheme year: N case storylines over one financial year, deterministic for a seed.

Pure: no clock, no I/O. Each storyline is the pathway of one case as timed commands (referral,
triage, CPO work, approval, works, fire check, follow-ups, closure), cut at the year's end, with the
ingredients a real year shows: declines with reasons and signposting, an under-18 safeguarding
referral, urgent cases with an emergency lock change the same day, consent withdrawals, one
suspension when the perpetrator is seen, cancellations, follow-ups and one complaint.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

from sanctuary.demo import steps as S
from sanctuary.demo.people import make_client
from sanctuary.demo.storyline import REQUIRED_PATHS, Path, Step, Storyline
from shared.catalogue import Catalogue
from shared.scheme import SchemeConfig

DEFAULT_CASES = 60  # the Tower Hamlets annual target
# Paths beyond the required ones, in a realistic mix (exactly one suspension and one complaint).
FILL_WEIGHTS = {
    Path.INSTALLED: 66,
    Path.URGENT: 9,
    Path.DECLINED: 13,
    Path.CONSENT_WITHDRAWN: 3,
    Path.CANCELLED_NO_CONTACT: 4,
    Path.CANCELLED_MOVED: 3,
    Path.UNDER_18: 1,
}
# Paths that must finish inside the year are received in its first nine months.
EARLY = {Path.SUSPENDED, Path.COMPLAINT, Path.CANCELLED_NO_CONTACT, Path.CANCELLED_MOVED, Path.URGENT}


def financial_year_start(today: date, start_month: int = 4) -> date:
    """The first day of the last complete financial year (so nothing in the demo is in the future)."""
    current = date(today.year if today.month >= start_month else today.year - 1, start_month, 1)
    return current.replace(year=current.year - 1)


def year_end(start: date) -> date:
    return start.replace(year=start.year + 1) - timedelta(days=1)


def weekday_on_or_after(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def choose_paths(rng: random.Random, cases: int) -> list[Path]:
    paths = list(REQUIRED_PATHS[:cases])
    options = list(FILL_WEIGHTS)
    paths += rng.choices(options, weights=[FILL_WEIGHTS[o] for o in options], k=cases - len(paths))
    rng.shuffle(paths)
    return paths


def generate(
    seed: int,
    cases: int,
    start: date,
    scheme: SchemeConfig,
    catalogue: Catalogue,
    case_prefix: str = "DEMO",
) -> list[Storyline]:
    """``cases`` storylines for the financial year beginning ``start``, numbered in order received."""
    if cases < 1:
        raise ValueError("cases must be at least 1")
    rng = random.Random(seed)
    end = year_end(start)
    paths = choose_paths(rng, cases)
    received = []
    for path in paths:
        latest = 270 if path in EARLY else 355
        received.append(weekday_on_or_after(start + timedelta(days=rng.randrange(latest))))
    order = sorted(range(cases), key=lambda i: (received[i], i))
    stories = []
    for number, i in enumerate(order, start=1):
        case_id = f"{case_prefix}-{seed}-{number:03d}"
        story_rng = random.Random(f"{seed}:{number}")
        stories.append(_storyline(story_rng, number, case_id, paths[i], received[i], end, scheme, catalogue))
    return stories


def _storyline(
    rng: random.Random,
    number: int,
    case_id: str,
    path: Path,
    received: date,
    end: date,
    scheme: SchemeConfig,
    catalogue: Catalogue,
) -> Storyline:
    urgent = path is Path.URGENT
    client = make_client(
        rng,
        number,
        received,
        under_18=path is Path.UNDER_18,
        urgent=urgent,
        eligible=path is not Path.DECLINED or rng.random() < 0.5,
    )
    submitted_at = datetime.combine(received, time(9, rng.randrange(60)), UTC)
    book = S.StepBook(rng, case_id, client, scheme, catalogue, end)
    book.submit(submitted_at)
    if path is Path.UNDER_18:
        book.close_safeguarding(submitted_at + timedelta(hours=3))
    elif path is Path.DECLINED:
        book.decline(S.next_working(submitted_at, 1, 10))
    else:
        book.works_pathway(path, submitted_at)
    steps = _within_year(book.steps, end)
    return Storyline(number, case_id, path, received, urgent, tuple(steps))


def _within_year(steps: list[Step], end: date) -> list[Step]:
    """The storyline as far as the year reaches: everything after the year's last day is cut."""
    kept = []
    for step in steps:
        if step.at.date() > end:
            break
        kept.append(step)
    return kept
