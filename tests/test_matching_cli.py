"""`equilibria matching` on the command line."""

from __future__ import annotations

import json

from equilibria import matching as M
from equilibria.cli import main


def test_matching_generate_prints_the_table(capsys):
    assert main(["matching", "--generate", "g_k(k=2, m=5, labels=adversarial)", "--policies", "greedy,stochastic_balance", "--trials", "2000", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert "matching_lp = 2.000000" in out
    assert "stochastic_balance" in out and "/LP" in out


def test_matching_load_csv_json(tmp_path, capsys):
    path = tmp_path / "z.csv"
    M.z_graph().to_csv(path)
    assert main(["matching", "--load", str(path), "--policies", "greedy,ranking", "--trials", "4000", "--clairvoyant", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["benchmarks"] == {"matching_lp": 2.0, "clairvoyant": 2.0}
    assert out["policies"]["greedy"]["mean"] == 1.0
    ranking = out["policies"]["ranking"]
    assert abs(ranking["mean"] - 1.5) < 4 * ranking["se"]


def test_matching_errors_exit_2(tmp_path, capsys):
    assert main(["matching", "--generate", "er(n_u=3, n_v=3, q=2)"]) == 2
    assert "q: expected" in capsys.readouterr().err
    bad = tmp_path / "bad.csv"
    bad.write_text("0,0,0.5\n0,0,0.5\n")
    assert main(["matching", "--load", str(bad)]) == 2
    assert "line 2" in capsys.readouterr().err


def test_matching_configuration_benchmarks(capsys):
    spec = "er(n_u=12, n_v=12, q=0.3, p=0.1:1, seed=4)"
    assert main(["matching", "--generate", spec, "--policies", "greedy", "--trials", "1000", "--benchmarks", "matching,configuration,stochastic,stochastic_any,clairvoyant", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    inst = M.generate(spec)
    bench = out["benchmarks"]
    assert abs(bench["configuration_lp"] - M.configuration_lp(inst).value) < 1e-9
    assert abs(bench["stochastic_configuration_lp"] - M.stochastic_configuration_lp(inst, method="compact").value) < 1e-8
    assert bench["clairvoyant"] <= bench["stochastic_configuration_lp"] + 1e-8 <= bench["matching_lp"] + 2e-8
    any_order = M.stochastic_configuration_lp(inst, order="any", method="compact").value
    assert abs(bench["stochastic_configuration_lp_any_order"] - any_order) < 1e-8
    assert bench["stochastic_configuration_lp"] <= any_order + 1e-8 <= bench["matching_lp"] + 2e-8
    assert set(out["ratios"]) == set(bench)
    assert main(["matching", "--generate", spec, "--trials", "500", "--benchmarks", "stochastic,matching"]) == 0
    text = capsys.readouterr().out
    assert "stochastic_configuration_lp: column generation" in text and "converged" in text
    assert main(["matching", "--generate", spec, "--benchmarks", "matching,exact"]) == 2
    assert "--benchmarks" in capsys.readouterr().err
