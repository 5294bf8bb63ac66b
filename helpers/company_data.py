"""The case study's input: a deterministic synthetic CSV of companies, and ~20 features computed per company.

The source read company names from a CSV and computed about twenty risk features per company
from its records (registered-capital changes, shareholder changes, court cases, ...). Here every
company's records are simulated from a seed derived from its name, so the same input always
gives the same features, on every machine, and the work per company costs real CPU time.
"""

from __future__ import annotations

import csv
import random
import zlib
from dataclasses import dataclass
from pathlib import Path

from helpers.validation import require_int

COLUMNS = ("company_name", "founded", "industry", "registered_capital")
INDUSTRIES = ("manufacturing", "retail", "software", "logistics", "finance", "energy", "food", "construction")
EVENT_KINDS = (
    "capital_change", "shareholder_change", "address_change", "legal_rep_change", "court_case",
    "judgment", "tender_won", "trademark", "branch_opened", "branch_closed", "tax_notice", "penalty",
)
FEATURES = (
    "years_active", "capital_change_count", "shareholder_change_count", "address_change_count",
    "legal_rep_change_count", "court_case_count", "judgment_count", "tender_won_count", "trademark_count",
    "branch_opened_count", "branch_closed_count", "tax_notice_count", "penalty_count", "events_last_3_years",
    "changes_per_year", "litigation_share", "industry_penalty_rate", "capital_per_branch", "risk_score", "risk_label",
)
REFERENCE_YEAR = 2024
EVENTS_PER_COMPANY = 1_500  # simulated records per company: under a millisecond of CPU each


@dataclass(frozen=True)
class Company:
    """One row of the input CSV."""

    company_name: str
    founded: int
    industry: str
    registered_capital: int


def _name(index: int, rng: random.Random) -> str:
    first = ("North", "Blue", "Iron", "Silver", "Pine", "Harbor", "Summit", "Golden", "River", "Stone", "Bright", "Eastern")
    second = ("Works", "Trading", "Systems", "Foods", "Logistics", "Energy", "Holdings", "Partners", "Labs", "Supply")
    return f"{rng.choice(first)} {rng.choice(second)} {index:05d} Ltd"


def make_companies(count: int, seed: int = 2024) -> list[Company]:
    """``count`` deterministic synthetic companies (the same for the same seed)."""
    require_int("count", count, minimum=1)
    require_int("seed", seed)
    rng = random.Random(seed)
    return [
        Company(_name(i, rng), rng.randint(1980, 2023), rng.choice(INDUSTRIES), rng.randrange(100_000, 50_000_000, 1_000))
        for i in range(count)
    ]


def write_companies_csv(path: str | Path, count: int, seed: int = 2024) -> Path:
    """Write ``count`` synthetic companies to a CSV file with a header row; return its path."""
    path = Path(path)
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(COLUMNS)
        for company in make_companies(count, seed):
            writer.writerow([company.company_name, company.founded, company.industry, company.registered_capital])
    return path


def read_companies(path: str | Path) -> list[Company]:
    """Read and validate the whole CSV; a malformed row raises ValueError naming its line, and nothing is returned."""
    path = Path(path)
    with path.open(newline="", encoding="utf-8") as file:
        reader = csv.reader(file)
        header = next(reader, None)
        if header is None or tuple(header) != COLUMNS:
            raise ValueError(f"{path.name}: the first line must be the header {','.join(COLUMNS)}, got {header}")
        companies, seen = [], set()
        for line, row in enumerate(reader, start=2):
            companies.append(_parse_row(path.name, line, row))
            if companies[-1].company_name in seen:
                raise ValueError(f"{path.name}, line {line}: company {companies[-1].company_name!r} appears twice")
            seen.add(companies[-1].company_name)
    return companies


def _parse_row(file: str, line: int, row: list[str]) -> Company:
    """One CSV row as a Company, or a ValueError that says which line and what is wrong."""
    where = f"{file}, line {line}"
    if len(row) != len(COLUMNS):
        raise ValueError(f"{where}: expected {len(COLUMNS)} fields ({', '.join(COLUMNS)}), got {len(row)}: {row}")
    name, founded, industry, capital = (field.strip() for field in row)
    if not name:
        raise ValueError(f"{where}: company_name is empty")
    if not founded.isdigit() or not 1800 <= int(founded) <= REFERENCE_YEAR:
        raise ValueError(f"{where}: founded must be a year between 1800 and {REFERENCE_YEAR}, got {founded!r}")
    if industry not in INDUSTRIES:
        raise ValueError(f"{where}: industry must be one of {', '.join(INDUSTRIES)}, got {industry!r}")
    if not capital.isdigit() or int(capital) <= 0:
        raise ValueError(f"{where}: registered_capital must be a positive whole number, got {capital!r}")
    return Company(name, int(founded), industry, int(capital))


def compute_features(company: Company, events: int = EVENTS_PER_COMPANY) -> dict[str, float | int | str]:
    """The 20 features of one company, from its simulated records (deterministic; under 1 ms of CPU)."""
    if not isinstance(company, Company):
        raise TypeError(f"company must be a Company (from read_companies), got {type(company).__name__}")
    require_int("events", events, minimum=1)
    rng = random.Random(zlib.crc32(company.company_name.encode()))
    counts = dict.fromkeys(EVENT_KINDS, 0)
    recent = 0
    years = REFERENCE_YEAR - company.founded + 1
    for _ in range(events):
        kind = EVENT_KINDS[min(int(rng.expovariate(0.35)), len(EVENT_KINDS) - 1)]
        counts[kind] += 1
        if rng.random() * years < 3:
            recent += 1
    changes = sum(counts[k] for k in ("capital_change", "shareholder_change", "address_change", "legal_rep_change"))
    litigation = counts["court_case"] + counts["judgment"]
    branches = max(1, counts["branch_opened"] - counts["branch_closed"])
    industry_weight = (INDUSTRIES.index(company.industry) + 1) / len(INDUSTRIES)
    risk = round(0.4 * litigation / events + 0.3 * counts["penalty"] / events * 10 + 0.3 * industry_weight, 6)
    return {
        "years_active": years,
        **{f"{kind}_count": counts[kind] for kind in EVENT_KINDS},
        "events_last_3_years": recent,
        "changes_per_year": round(changes / years, 6),
        "litigation_share": round(litigation / events, 6),
        "industry_penalty_rate": round(counts["penalty"] / events * industry_weight, 6),
        "capital_per_branch": round(company.registered_capital / branches, 2),
        "risk_score": risk,
        "risk_label": "high" if risk > 0.25 else "medium" if risk > 0.15 else "low",
    }
