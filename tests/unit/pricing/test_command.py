"""`price_command` (hub/pricing/command.py): files in, one JSON object or one error line out."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from hub.pricing.command import cdr_location_key, price_command
from tests.spec import EXAMPLES
from tests.unit.pricing.builders import cdr_dict, charging, load_example, parking

KEYS = {
    "total_cost",
    "total_fixed_cost",
    "total_energy_cost",
    "total_time_cost",
    "total_parking_cost",
    "total_parking_time_cost",
    "total_reservation_cost",
    "notes",
}


def write(path: Path, document: Any) -> Path:
    path.write_text(json.dumps(document, default=decimal_as_number), encoding="utf-8")
    return path


def decimal_as_number(value: object) -> object:
    if isinstance(value, Decimal):
        return float(value)  # test fixture only: these values are short decimals
    raise TypeError(value)


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    tariff = write(tmp_path / "TARIFF.json", load_example("tariff_10_025kwh_parking_start.json"))
    session = write(tmp_path / "CDR.json", cdr_dict("2018-12-18T10:00:00Z", charging(60, "20"), parking(40)))
    return tariff, session


def run(
    capsys: pytest.CaptureFixture[str], tariff: Path, session: Path, zone: str | None, **kwargs: str
) -> tuple[int, str, list[str]]:
    status = price_command(tariff, session, zone, **kwargs)
    out, err = capsys.readouterr()
    return status, out, err.splitlines()


def test_valid_files_print_one_json_object(
    capsys: pytest.CaptureFixture[str], files: tuple[Path, Path]
) -> None:
    status, out, err = run(capsys, *files, None)

    assert status == 0
    result = json.loads(out, parse_float=Decimal)
    assert set(result) == KEYS
    assert result["total_cost"] == {"excl_vat": Decimal("7.00"), "incl_vat": Decimal("7.90")}
    assert result["total_parking_cost"] == {"excl_vat": Decimal("1.50"), "incl_vat": Decimal("1.80")}
    assert result["total_parking_time_cost"] == result["total_parking_cost"]
    assert result["total_reservation_cost"] == {"excl_vat": Decimal(0), "incl_vat": Decimal(0)}
    assert result["notes"] == [
        "step_size: PARKING_TIME total 40 min billed as 45 min (step_size 900 s of elements[0]; the extra is billed"
        " in charging_periods[1])"
    ]
    assert err == ["time zone: UTC (default)"]


def test_numbers_are_json_numbers_with_at_most_four_decimals(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, files: tuple[Path, Path]
) -> None:
    tariff = write(tmp_path / "T3.json", load_example("tariff_3_alt_url.json"))
    session = write(tmp_path / "C3.json", cdr_dict("2015-06-29T20:39:09Z", charging(90, "20.45")))

    status, out, _ = run(capsys, tariff, session, None)

    assert status == 0
    numbers = re.findall(r'"(?:excl|incl)_vat": ([^,\n}]+)', out)
    assert len(numbers) == 14
    assert all(re.fullmatch(r"-?\d+\.\d{2,4}", number) for number in numbers)
    assert json.loads(out, parse_float=Decimal)["total_cost"] == {
        "excl_vat": Decimal("5.625"),
        "incl_vat": Decimal("6.2375"),
    }


def test_unknown_incl_vat_is_left_out(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    tariff = write(tmp_path / "T14.json", load_example("tariff_14_step_size.json"))
    session = write(tmp_path / "C14.json", cdr_dict("2024-01-08T16:35:00Z", charging(25), charging(10)))

    status, out, _ = run(capsys, tariff, session, None)

    result = json.loads(out, parse_float=Decimal)
    assert status == 0
    assert result["total_cost"] == {"excl_vat": Decimal("1.30")}
    assert result["total_fixed_cost"] == {"excl_vat": Decimal(0), "incl_vat": Decimal(0)}


def test_envelopes_are_unwrapped(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, files: tuple[Path, Path]
) -> None:
    # A Sender GET answers a list of tariffs in `data`; a CDR GET answers one object.
    tariff = write(tmp_path / "env_t.json", {"data": [json.loads(files[0].read_text())], "status_code": 1000})
    session = write(tmp_path / "env_c.json", {"data": json.loads(files[1].read_text()), "status_code": 1000})

    status, out, _ = run(capsys, tariff, session, None)

    assert status == 0
    assert json.loads(out, parse_float=Decimal)["total_cost"]["excl_vat"] == Decimal("7.00")


def test_time_zone_is_reported_on_stderr(
    capsys: pytest.CaptureFixture[str], files: tuple[Path, Path]
) -> None:
    _, _, err_default = run(capsys, *files, None)
    _, _, err_given = run(capsys, *files, "Europe/Berlin")

    assert err_default == ["time zone: UTC (default)"]
    assert err_given == ["time zone: Europe/Berlin (from --time-zone)"]


def test_time_zone_changes_the_price(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    tariff = write(tmp_path / "T4.json", load_example("tariff_4_complex.json"))
    # 08:15-08:45 UTC: before 09:00 in UTC (no parking price), 09:15-09:45 in Berlin (5.00/h).
    session = write(tmp_path / "C4.json", cdr_dict("2024-03-04T08:15:00Z", parking(30)))

    _, out_utc, _ = run(capsys, tariff, session, None)
    _, out_berlin, _ = run(capsys, tariff, session, "Europe/Berlin")

    assert json.loads(out_utc, parse_float=Decimal)["total_parking_cost"]["excl_vat"] == Decimal(0)
    assert json.loads(out_berlin, parse_float=Decimal)["total_parking_cost"]["excl_vat"] == Decimal("2.50")


def test_time_zone_source_is_reported(capsys: pytest.CaptureFixture[str], files: tuple[Path, Path]) -> None:
    _, _, err = run(capsys, *files, "Europe/Amsterdam", time_zone_source="from Location LOC1 in the database")

    assert err == ["time zone: Europe/Amsterdam (from Location LOC1 in the database)"]


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "Europe", "../etc/passwd", ""])
def test_bad_time_zone_is_one_error_line(
    capsys: pytest.CaptureFixture[str], files: tuple[Path, Path], zone: str
) -> None:
    status, out, err = run(capsys, *files, zone)

    assert status == 1
    assert out == ""
    assert err == [f"error: unknown time zone {zone!r}: expected an IANA name such as Europe/Amsterdam"]


def test_invalid_tariff_is_one_line_naming_the_field(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, files: tuple[Path, Path]
) -> None:
    body = load_example("tariff_10_025kwh_parking_start.json")
    body["elements"][0]["price_components"][0]["type"] = "KWH"
    tariff = write(tmp_path / "TARIFF.json", body)

    status, out, err = run(capsys, tariff, files[1], None)

    assert status == 1
    assert out == ""
    assert err == [
        f"error: {tariff}: elements[0].price_components[0].type: Input should be 'ENERGY', 'FLAT', 'PARKING_TIME'"
        " or 'TIME' (got 'KWH')"
    ]


def test_tariff_without_elements_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, files: tuple[Path, Path]
) -> None:
    body = load_example("tariff_10_025kwh_parking_start.json")
    body["elements"] = []
    tariff = write(tmp_path / "TARIFF.json", body)

    status, _, err = run(capsys, tariff, files[1], None)

    assert status == 1
    assert err == [f"error: {tariff}: elements: List should have at least 1 item after validation, not 0"]


def test_invalid_field_inside_envelope_names_the_data_path(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, files: tuple[Path, Path]
) -> None:
    body = load_example("tariff_4_complex.json")
    body["elements"][4]["restrictions"]["start_time"] = "9:00"
    tariff = write(tmp_path / "TARIFF.json", {"data": [body], "status_code": 1000})

    status, _, err = run(capsys, tariff, files[1], None)

    assert status == 1
    assert len(err) == 1
    assert err[0].startswith(
        f"error: {tariff}: data[0].elements[4].restrictions.start_time: String should match pattern"
    )


def test_invalid_cdr_is_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, files: tuple[Path, Path]
) -> None:
    body = json.loads(files[1].read_text())
    body["end_date_time"] = "2018-12-18T09:00:00Z"
    session = write(tmp_path / "CDR.json", body)

    status, _, err = run(capsys, files[0], session, None)

    assert status == 1
    assert err == [f"error: {session}: end_date_time: is before start_date_time (got '2018-12-18T09:00:00Z')"]


def test_several_errors_are_counted_on_the_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, files: tuple[Path, Path]
) -> None:
    session = write(tmp_path / "CDR.json", {"start_date_time": "2018-12-18T10:00:00Z"})

    status, _, err = run(capsys, files[0], session, None)

    assert status == 1
    assert err == [f"error: {session}: end_date_time: Field required (and 3 more errors)"]


def test_not_json_is_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, files: tuple[Path, Path]
) -> None:
    tariff = tmp_path / "TARIFF.json"
    tariff.write_text("{not json", encoding="utf-8")

    status, _, err = run(capsys, tariff, files[1], None)

    assert status == 1
    assert err == [
        f"error: {tariff}: not valid JSON: Expecting property name enclosed in double quotes (line 1 column 2)"
    ]


def test_missing_file_is_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, files: tuple[Path, Path]
) -> None:
    missing = tmp_path / "nope.json"

    status, _, err = run(capsys, files[0], missing, None)

    assert status == 1
    assert err == [f"error: {missing}: cannot read: No such file or directory"]


def test_envelope_with_several_tariffs_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, files: tuple[Path, Path]
) -> None:
    one = json.loads(files[0].read_text())
    tariff = write(tmp_path / "list.json", {"data": [one, one], "status_code": 1000})

    status, _, err = run(capsys, tariff, files[1], None)

    assert status == 1
    assert err == [f"error: {tariff}: data holds 2 objects; expected exactly one"]


def test_the_spec_cdr_example_prices_with_its_own_tariff(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # cdr_example.json: 1.973 h of TIME at 2.00/h, step 300 s: billed 2 h, total_cost 4.00 / 4.40 as it says.
    example = load_example("cdr_example.json")
    tariff = write(tmp_path / "T.json", example["tariffs"][0])

    status, out, _ = run(capsys, tariff, EXAMPLES / "cdr_example.json", "Europe/Brussels")

    result = json.loads(out, parse_float=Decimal)
    assert status == 0
    assert result["total_cost"] == {"excl_vat": Decimal("4.00"), "incl_vat": Decimal("4.40")}
    assert result["total_time_cost"] == {"excl_vat": Decimal("4.00"), "incl_vat": Decimal("4.40")}


def test_cdr_location_key_names_the_location_to_look_up(tmp_path: Path, files: tuple[Path, Path]) -> None:
    assert cdr_location_key(EXAMPLES / "cdr_example.json") == ("BE", "BEC", "LOC1")
    # The generated CDR has no cdr_location; a missing file is reported by price_command, not here.
    assert cdr_location_key(files[1]) is None
    assert cdr_location_key(tmp_path / "missing.json") is None
