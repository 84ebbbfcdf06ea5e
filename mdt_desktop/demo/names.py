"""Synthetic names for demo patients and the demo roster. Every name is marked (DEMO)."""

from __future__ import annotations

import random

from mdt_desktop.domain.enums import Role, Sex
from mdt_desktop.domain.nhs import nhs_check_digit

DEMO_MARK = "(DEMO)"

FEMALE = (
    "Alice",
    "Amelia",
    "Aisha",
    "Bethan",
    "Chloe",
    "Claire",
    "Deborah",
    "Eleanor",
    "Emily",
    "Fatima",
    "Freya",
    "Grace",
    "Hannah",
    "Imogen",
    "Isla",
    "Jasmine",
    "Joanna",
    "Karen",
    "Lily",
    "Lucy",
    "Maya",
    "Megan",
    "Niamh",
    "Olivia",
    "Priya",
    "Rachel",
    "Rosie",
    "Sarah",
    "Sophie",
    "Zara",
)
MALE = (
    "Aaron",
    "Adam",
    "Ahmed",
    "Ben",
    "Callum",
    "Daniel",
    "David",
    "Ethan",
    "Finn",
    "George",
    "Harry",
    "Imran",
    "Jack",
    "James",
    "Kieran",
    "Liam",
    "Luke",
    "Marcus",
    "Mohammed",
    "Nathan",
    "Oliver",
    "Owen",
    "Patrick",
    "Rhys",
    "Ryan",
    "Samuel",
    "Thomas",
    "Tom",
    "William",
    "Yusuf",
)
SURNAMES = (
    "Abbott",
    "Ahmed",
    "Bailey",
    "Barker",
    "Bennett",
    "Brooks",
    "Carter",
    "Chapman",
    "Clarke",
    "Collins",
    "Cooper",
    "Davies",
    "Dawson",
    "Edwards",
    "Ellis",
    "Evans",
    "Fisher",
    "Fletcher",
    "Foster",
    "Gibson",
    "Graham",
    "Griffiths",
    "Hall",
    "Harper",
    "Harrison",
    "Hayes",
    "Hughes",
    "Hunt",
    "Jackson",
    "Jenkins",
    "Kaur",
    "Kelly",
    "Khan",
    "Knight",
    "Lawson",
    "Lewis",
    "Lloyd",
    "Marshall",
    "Mason",
    "Matthews",
    "Mills",
    "Mitchell",
    "Morgan",
    "Murphy",
    "Nash",
    "Nolan",
    "Owen",
    "Palmer",
    "Parker",
    "Pearce",
    "Phillips",
    "Porter",
    "Price",
    "Quinn",
    "Reid",
    "Reynolds",
    "Richards",
    "Robinson",
    "Rowe",
    "Shaw",
    "Singh",
    "Spencer",
    "Stevens",
    "Sutton",
    "Taylor",
    "Thomson",
    "Turner",
    "Walker",
    "Walsh",
    "Ward",
    "Watson",
    "Webb",
    "Wells",
    "West",
    "Wilkinson",
    "Wood",
    "Wright",
    "Young",
)

# The MDT roster of the demo: the chair, two more IBD consultants, two IBD nurse specialists,
# a pharmacist, a radiologist, a surgeon and the coordinator (issue: foundation, item 5).
ROSTER: tuple[tuple[str, Role], ...] = (
    ("Dr Helen Marsh (DEMO)", Role.IBD_CONSULTANT),
    ("Dr Rahul Mehta (DEMO)", Role.IBD_CONSULTANT),
    ("Dr Fiona Gallagher (DEMO)", Role.IBD_CONSULTANT),
    ("Kate Doyle (DEMO)", Role.IBD_NURSE),
    ("Ben Adeyemi (DEMO)", Role.IBD_NURSE),
    ("Tom Okafor (DEMO)", Role.PHARMACIST),
    ("Dr Priya Raman (DEMO)", Role.RADIOLOGIST),
    ("Mr James Whitfield (DEMO)", Role.SURGEON),
    ("Sam Patel (DEMO)", Role.COORDINATOR),
)
CHAIR_INDEX = 0


def person_name(rng: random.Random, sex: Sex) -> tuple[str, str]:
    """Return (given, family) with the family name marked (DEMO)."""
    given = rng.choice(FEMALE if sex is Sex.FEMALE else MALE)
    return given, f"{rng.choice(SURNAMES)} {DEMO_MARK}"


def hospital_number(index: int) -> str:
    """Return the demo hospital number of the *index*-th patient (DEMO10001, DEMO10002, ...)."""
    return f"DEMO{10001 + index}"


def test_range_nhs_number(rng: random.Random, used: set[str]) -> str:
    """Return a valid NHS number in the 999 range, which the NHS never issues (test numbers)."""
    while True:
        first_nine = "999" + "".join(str(rng.randrange(10)) for _ in range(6))
        digit = nhs_check_digit(first_nine)
        if digit is None:
            continue
        number = first_nine + str(digit)
        if number not in used:
            used.add(number)
            return number
