"""The reorder simulation runs end to end on a tiny world and reports sane numbers."""

import numpy as np

from bench.reorder.__main__ import main
from bench.reorder.report import Row, type_groups
from bench.reorder.scenario import CLEAN
from bench.reorder.simulation import run_seed


def test_simulation_runs_small_and_reports_sane_numbers():
    result = run_seed(
        7, stores=6, products=4, weeks=6, warmup_weeks=2, textbook_alpha=0.3, frontier=False
    )
    everything = type_groups(result.labels)["all"]
    assert set(result.outcomes) == {"ours", "textbook", "avg-last-3", "min/max"}
    for outcome in result.outcomes.values():
        row = Row.of(outcome, everything)
        assert 0 <= row.fill <= 1
        assert 0 <= row.stockout_per_1000 <= 1000
        assert row.on_hand >= 0
        assert row.orders > 0
        assert np.all(outcome.served <= outcome.demand)


def test_policies_face_the_same_demand():
    result = run_seed(
        3, stores=4, products=3, weeks=4, warmup_weeks=2, textbook_alpha=0.3, frontier=False
    )
    demands = [o.demand for o in result.outcomes.values()]
    assert all(np.array_equal(demands[0], d) for d in demands[1:])


def test_command_line_prints_the_tables(capsys):
    assert main(["--seeds", "5", "--stores", "4", "--products", "3", "--weeks", "4",
                 "--warmup-weeks", "2", "--no-frontier"]) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert "seed 5" in out and "textbook" in out and "avg-last-3" in out


def test_textbook_meets_its_target_in_its_own_world():
    """Fairness check: with steady Poisson demand, exact lead times and counts, no skipped
    visits, the textbook policy serves what a 95 % cycle service level promises."""
    result = run_seed(
        11, stores=8, products=6, weeks=12, warmup_weeks=4, textbook_alpha=0.3, frontier=False,
        realism=CLEAN,
    )  # fmt: skip
    textbook = Row.of(result.outcomes["textbook"], type_groups(result.labels)["all"])
    assert textbook.fill > 0.97
