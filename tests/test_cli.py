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
