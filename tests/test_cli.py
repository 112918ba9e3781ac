"""The command line."""

import json
import subprocess
import sys

import numpy as np

from equilibria.cli import main
from conftest import lp_value


def test_help(capsys):
    try:
        main(["--help"])
    except SystemExit as exc:
        assert exc.code == 0
    assert "matrix" in capsys.readouterr().out


def test_matrix_random_prints_certificate(capsys):
    code = main(["matrix", "--random", "60x40", "--seed", "3", "--tol", "1e-8", "--no-progress"])
    out = capsys.readouterr().out
    assert code == 0
    assert "duality_gap" in out and "value" in out and "converged: True" in out


def test_matrix_file_json_matches_lp(tmp_path, capsys):
    a = np.random.default_rng(0).uniform(-1, 1, (30, 25))
    path = tmp_path / "A.npy"
    np.save(path, a)
    code = main(["matrix", "--file", str(path), "--method", "lp", "--json"])
    cert = json.loads(capsys.readouterr().out)
    assert code == 0
    assert abs(cert["value"] - lp_value(a)) <= 1e-9
    assert cert["duality_gap"] <= 1e-9


def test_errors_exit_with_code_2(tmp_path, capsys):
    bad = tmp_path / "bad.npy"
    np.save(bad, np.array([[1.0, np.nan]]))
    assert main(["matrix", "--file", str(bad)]) == 2
    assert "A: expected finite entries" in capsys.readouterr().err
    assert main(["matrix", "--file", str(tmp_path / "missing.npy")]) == 2


def test_unconverged_exit_code(capsys):
    assert main(["matrix", "--random", "50x50", "--max-iters", "20", "--tol", "1e-12", "--no-polish", "--no-progress"]) == 1


def test_python_dash_m():
    out = subprocess.run(
        [sys.executable, "-m", "equilibria", "matrix", "--random", "5x5", "--json"],
        capture_output=True, text=True, check=True,
    ).stdout
    assert json.loads(out)["converged"] is True


def test_example_script_runs():
    import pathlib

    script = pathlib.Path(__file__).resolve().parents[1] / "examples" / "matrix_games.py"
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, check=True).stdout
    assert "largest gap in the batch" in out


def test_solve_builtin_prints_falling_exploitability(capsys):
    code = main(["solve", "kuhn_poker", "--algo", "cfr+", "--iters", "2000", "--checkpoints", "4"])
    out = capsys.readouterr().out
    assert code == 0
    rows = [line.split() for line in out.splitlines() if line.strip() and line.split()[0].isdigit()]
    assert [int(r[0]) for r in rows] == [500, 1000, 1500, 2000]
    expl = [float(r[1]) for r in rows]
    assert expl[-1] < expl[0] and expl[-1] < 1e-3


def test_solve_efg_file_json_and_saved_strategy(tmp_path, capsys):
    import equilibria as eq
    from efg_oracles import random_poker_like, sequence_form_lp_value

    game = random_poker_like(5)
    path = tmp_path / "game.efg"
    path.write_text(game.to_efg())
    out_file = tmp_path / "strategy.json"
    code = main(["solve", str(path), "--algo", "dcfr", "--iters", "3000", "--json", "--save-strategy", str(out_file)])
    result = json.loads(capsys.readouterr().out)
    assert code == 0 and result["iterations"] == 3000
    assert abs(result["value_player_0"] - sequence_form_lp_value(game)) <= 2 * result["exploitability"] + 1e-12
    saved = json.loads(out_file.read_text())
    strategy = eq.BehaviorStrategy.from_dict(game, saved, default="error")
    assert eq.exploitability(game, strategy) == result["exploitability"]


def test_solve_mccfr_is_seeded(capsys):
    runs = []
    for _ in range(2):
        main(["solve", "kuhn_poker", "--algo", "mccfr-external", "--iters", "500", "--seed", "4", "--json"])
        runs.append(json.loads(capsys.readouterr().out)["exploitability"])
    assert runs[0] == runs[1]


def test_solve_errors_exit_with_code_2(capsys):
    assert main(["solve", "chess"]) == 2
    assert "game" in capsys.readouterr().err
    assert main(["solve", "kuhn_poker", "--iters", "0"]) == 2
    assert main(["solve", "/no/such/file.efg"]) == 2


def test_extensive_form_example_reaches_the_closed_form():
    import pathlib

    script = pathlib.Path(__file__).resolve().parents[1] / "examples" / "extensive_form_games.py"
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, check=True).stdout
    # One-card poker: Alice bluffs 1/3 with a low card, Bob calls 2/3, value 1/3.
    assert "bets with probability 0.333" in out
    assert "calls with probability 0.666" in out
    assert "value to Alice: 0.3333" in out
