"""helpers.company_data: a deterministic input CSV, strict parsing with line numbers, 20 deterministic features."""

import pytest

from helpers.company_data import (
    COLUMNS,
    FEATURES,
    Company,
    compute_features,
    make_companies,
    read_companies,
    write_companies_csv,
)


def test_the_same_seed_gives_the_same_companies_and_features():
    assert make_companies(5, seed=1) == make_companies(5, seed=1) != make_companies(5, seed=2)
    first = make_companies(1)[0]
    features = compute_features(first)
    assert list(features) == list(FEATURES) and len(FEATURES) == 20
    assert features == compute_features(first)
    assert features["risk_label"] in ("low", "medium", "high")


def test_csv_round_trip(tmp_path):
    path = write_companies_csv(tmp_path / "c.csv", 50)
    assert path.read_text().splitlines()[0] == ",".join(COLUMNS)
    assert read_companies(path) == make_companies(50)


@pytest.mark.parametrize("row, message", [
    ("Acme Ltd,19x9,software,1000", "line 3: founded must be a year between 1800 and 2024, got '19x9'"),
    ("Acme Ltd,2001,juggling,1000", "line 3: industry must be one of"),
    ("Acme Ltd,2001,software,-5", "line 3: registered_capital must be a positive whole number"),
    ("Acme Ltd,2001,software", "line 3: expected 4 fields"),
    (",2001,software,1000", "line 3: company_name is empty"),
])
def test_a_malformed_row_names_its_line_and_nothing_is_returned(tmp_path, row, message):
    path = tmp_path / "bad.csv"
    path.write_text(",".join(COLUMNS) + "\nGood Co,2000,retail,5000\n" + row + "\n")
    with pytest.raises(ValueError, match=message):
        read_companies(path)


def test_header_and_duplicates_are_checked(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("name,year\nA,1\n")
    with pytest.raises(ValueError, match="the first line must be the header"):
        read_companies(path)
    path.write_text(",".join(COLUMNS) + "\nA,2000,retail,5\nA,2001,retail,6\n")
    with pytest.raises(ValueError, match="line 3: company 'A' appears twice"):
        read_companies(path)


def test_bad_arguments():
    with pytest.raises(ValueError, match="count must be ≥ 1"):
        make_companies(0)
    with pytest.raises(TypeError, match="must be a Company"):
        compute_features("Acme")
    with pytest.raises(ValueError, match="events must be ≥ 1"):
        compute_features(Company("Tiny", 2020, "retail", 100), events=0)
