"""TSPTW instances (López-Ibáñez format): parsing, the independent checker, known optima."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from fieldsales.cli_routes import routes_cli
from fieldsales.domain.routing.tsptw import check_tour, parse_tsptw, solve_tsptw

TSPTW = Path(__file__).resolve().parents[2] / ".." / "shared" / "benchmarks" / "tsptw"

TINY = """4
0 5 9 4
5 0 3 7
9 3 0 6
4 7 6 0
0 100
0 10
6 12
0 30
"""


def published_optimum(name: str) -> int:
    with (TSPTW / "Traveltime_Bounds.csv").open(newline="") as handle:
        rows = {row[1]: row for row in csv.reader(handle) if row and row[0] == "Dumas"}
    return int(rows[name][2])


def test_parse_tsptw_reads_matrix_and_windows():
    instance = parse_tsptw(TINY.replace("0 30", "0.00 30.00"))
    assert instance.size == 4
    assert instance.travel[2] == (9, 3, 0, 6)
    assert instance.windows[2] == (6, 12)


@pytest.mark.parametrize("text", ["", "3\n0 1 2", "2\n0 1.5\n1 0\n0 9\n0 9"])
def test_parse_tsptw_rejects_broken_files(text):
    with pytest.raises(ValueError):
        parse_tsptw(text)


def test_check_tour_walks_the_rules():
    instance = parse_tsptw(TINY)
    assert check_tour(instance, [0, 1, 2, 3, 0]) == 5 + 3 + 6 + 4
    assert check_tour(instance, [0, 3, 1, 2, 0]) is None  # node 1 reached at 11 > 10
    assert check_tour(instance, [0, 1, 2, 0]) is None  # node 3 missing
    assert check_tour(instance, [0, 1, 1, 2, 3, 0]) is None


def test_solve_tsptw_finds_the_best_tour_of_a_tiny_instance():
    result = solve_tsptw(parse_tsptw(TINY), 100)
    assert result["feasible"] is True
    assert result["tour"] == [0, 1, 2, 3, 0]
    assert result["travel_time"] == 18


@pytest.mark.parametrize(
    "name",
    [
        "n20w20.001.txt",  # tight windows
        "n20w60.005.txt",  # VROOM alone ends 2 above the optimum
        "n40w20.001.txt",  # VROOM alone finds no feasible tour
        "n40w60.003.txt",  # VROOM alone ends 4 above the optimum
        "n40w100.004.txt",  # wide windows
    ],
)
def test_solve_tsptw_reaches_the_published_optimum_on_dumas(name):
    instance = parse_tsptw((TSPTW / "Dumas" / name).read_text())
    # A generous budget: speed is measured by `make bench-routes`, not by unit tests.
    result = solve_tsptw(instance, 5000)
    assert result["feasible"] is True
    assert check_tour(instance, result["tour"]) == result["travel_time"]
    assert result["travel_time"] == published_optimum(name)


def test_routes_cli_prints_the_tour_as_json():
    path = TSPTW / "Dumas" / "n20w20.001.txt"
    outcome = CliRunner().invoke(routes_cli, ["solve-tsptw", str(path), "--time-limit-ms", "100"])
    assert outcome.exit_code == 0, outcome.output
    answer = json.loads(outcome.output)
    assert set(answer) == {"tour", "travel_time", "feasible", "elapsed_ms"}
    assert answer["feasible"] is True and answer["travel_time"] == 378
    assert answer["tour"][0] == answer["tour"][-1] == 0 and len(answer["tour"]) == 22


def test_flask_routes_solve_tsptw_runs_from_the_command_line():
    """`flask routes` is ours (an entry point replaces Flask's built-in URL listing)."""
    path = TSPTW / "Dumas" / "n20w20.001.txt"
    flask = Path(sys.executable).with_name("flask")
    done = subprocess.run(
        [str(flask), "--app", "app", "routes", "solve-tsptw", str(path), "--time-limit-ms", "100"],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["travel_time"] == 378


def test_routes_cli_reports_an_unreadable_instance(tmp_path):
    broken = tmp_path / "broken.txt"
    broken.write_text("3\n0 1")
    outcome = CliRunner().invoke(routes_cli, ["solve-tsptw", str(broken)])
    assert outcome.exit_code != 0
    assert "broken.txt" in outcome.output
