"""Independent oracles for extensive-form tests: a sequence-form LP (scipy), brute-force best
responses by enumerating pure strategies, and a random perfect-recall game family.

Nothing here calls equilibria's solvers: the LP and the enumeration walk ``node_arrays()`` and
use ``expected_payoffs`` (a plain tree pass) only.
"""

from __future__ import annotations

import itertools

import numpy as np

import equilibria as eq


def _own_sequences(game: eq.ExtensiveGame):
    """Per node and player: the index of the player's last sequence (0 = empty), and the
    sequence numbering ``(infoset, action) -> index`` per player."""
    arr = game.node_arrays()
    n = len(arr["kind"])
    np_ = game.num_players
    off = game.slot_offsets
    players = game.infoset_players
    seq_id = [dict() for _ in range(np_)]
    for i in range(game.num_infosets):
        p = players[i]
        for a in range(off[i + 1] - off[i]):
            seq_id[p][(i, a)] = len(seq_id[p]) + 1
    seq = np.zeros((n, np_), dtype=int)
    reach = np.ones(n)
    for v in range(n):
        for k in range(arr["num_children"][v]):
            c = arr["first_child"][v] + k
            seq[c] = seq[v]
            reach[c] = reach[v] * arr["chance_prob"][c]
            if arr["kind"][v] == 1:
                i = arr["infoset"][v]
                seq[c, players[i]] = seq_id[players[i]][(i, k)]
    parent_seq = {}
    for v in range(n):
        if arr["kind"][v] == 1:
            i = arr["infoset"][v]
            parent_seq[i] = seq[v, players[i]]
    return arr, seq, reach, seq_id, parent_seq


def sequence_form_lp_value(game: eq.ExtensiveGame) -> float:
    """The value to player 0 of a two-player zero-sum perfect-recall game, by the sequence-form
    LP ``max f^T q s.t. F^T q <= A^T x, E x = e, x >= 0`` solved with scipy's HiGHS."""
    from scipy.optimize import linprog
    from scipy.sparse import coo_matrix, hstack, vstack

    arr, seq, reach, seq_id, parent_seq = _own_sequences(game)
    n0, n1 = len(seq_id[0]) + 1, len(seq_id[1]) + 1
    a = {}
    for t, v in enumerate(np.flatnonzero(arr["kind"] == 2)):
        key = (seq[v, 0], seq[v, 1])
        a[key] = a.get(key, 0.0) + reach[v] * arr["payoffs"][arr["terminal"][v], 0]
    rows, cols = zip(*a.keys()) if a else ((), ())
    A = coo_matrix((list(a.values()), (rows, cols)), shape=(n0, n1))

    def constraints(p: int, size: int):
        r, c, d = [0], [0], [1.0]
        k = 1
        off = game.slot_offsets
        for i in range(game.num_infosets):
            if game.infoset_players[i] != p:
                continue
            r.append(k), c.append(parent_seq[i]), d.append(-1.0)
            for act in range(off[i + 1] - off[i]):
                r.append(k), c.append(seq_id[p][(i, act)]), d.append(1.0)
            k += 1
        rhs = np.zeros(k)
        rhs[0] = 1.0
        return coo_matrix((d, (r, c)), shape=(k, size)), rhs

    E, e = constraints(0, n0)
    F, f = constraints(1, n1)
    # variables: x (n0, >= 0), q (len f, free); maximise f^T q.
    cost = np.r_[np.zeros(n0), -f]
    a_ub = hstack([-A.T, F.T])
    a_eq = hstack([E, coo_matrix((E.shape[0], F.shape[0]))])
    bounds = [(0, None)] * n0 + [(None, None)] * F.shape[0]
    res = linprog(cost, A_ub=a_ub.tocsr(), b_ub=np.zeros(n1), A_eq=a_eq.tocsr(), b_eq=e, bounds=bounds, method="highs")
    assert res.status == 0, res.message
    return float(-res.fun)


def brute_force_best_response_value(game: eq.ExtensiveGame, strategy: np.ndarray, player: int) -> float:
    """Best-response value by enumerating every pure strategy of ``player`` and evaluating it
    with a plain tree pass (``expected_payoffs``)."""
    off = game.slot_offsets
    mine = [i for i in range(game.num_infosets) if game.infoset_players[i] == player]
    choices = [range(off[i + 1] - off[i]) for i in mine]
    best = -np.inf
    probs = np.array(strategy, dtype=float)
    for pure in itertools.product(*choices):
        for i, a in zip(mine, pure):
            probs[off[i] : off[i + 1]] = 0.0
            probs[off[i] + a] = 1.0
        best = max(best, float(game.expected_payoffs(probs)[player]))
    return best


def random_poker_like(seed: int, signals: int = 2, depth: int = 3, actions: int = 2, zero_sum: bool = True) -> eq.ExtensiveGame:
    """A random two-player game with perfect recall: chance deals each player a private signal,
    then players alternate public actions for ``depth`` moves (some histories stop early); an
    infoset is (own signal, public history). Payoffs are random per terminal."""
    rng = np.random.default_rng(seed)
    b = eq.GameBuilder(2)
    p0 = rng.dirichlet(np.ones(signals))
    root = b.chance(None, [(f"s0={k}", float(p)) for k, p in enumerate(p0)])
    for s0 in range(signals):
        p1 = rng.dirichlet(np.ones(signals))
        deal = b.chance((root, s0), [(f"s1={k}", float(p)) for k, p in enumerate(p1)])
        for s1 in range(signals):
            _grow(b, rng, (deal, s1), (s0, s1), "", 0, depth, actions, zero_sum)
    return b.build()


def _grow(b, rng, parent, signals, history, turn, depth, actions, zero_sum):
    if turn == depth or (turn > 0 and rng.random() < 0.2 and len(history) % 2 == 0 and history.endswith("0")):
        u = float(rng.normal())
        b.terminal(parent, [u, -u] if zero_sum else [u, float(rng.normal())])
        return
    who = turn % 2
    node = b.decision(parent, who, f"p{who} s={signals[who]} h={history}", [str(a) for a in range(actions)])
    for a in range(actions):
        _grow(b, rng, (node, a), signals, history + str(a), turn + 1, depth, actions, zero_sum)


def agent_q_values(game: eq.ExtensiveGame, strategy: np.ndarray) -> tuple[dict[int, np.ndarray], dict[int, float]]:
    """Per infoset of a two-player game: Q(I, a), the expected payoff of the acting player for
    action ``a`` given ``I`` is reached (beliefs from chance and the opponent), and the
    counterfactual reach of ``I``; by a plain walk over the nodes."""
    arr = game.node_arrays()
    n = len(arr["kind"])
    off = game.slot_offsets
    pay = arr["payoffs"]
    value = np.zeros((n, 2))
    for v in range(n - 1, -1, -1):
        kids = range(arr["first_child"][v], arr["first_child"][v] + arr["num_children"][v])
        if arr["kind"][v] == 2:
            value[v] = pay[arr["terminal"][v]]
        elif arr["kind"][v] == 0:
            value[v] = sum(arr["chance_prob"][c] * value[c] for c in kids)
        else:
            i = arr["infoset"][v]
            value[v] = sum(strategy[off[i] + k] * value[c] for k, c in enumerate(kids))
    reach = np.ones((n, 3))  # chance, player 0, player 1
    weighted: dict[int, np.ndarray] = {}
    total: dict[int, float] = {}
    for v in range(n):
        kids = list(range(arr["first_child"][v], arr["first_child"][v] + arr["num_children"][v]))
        if arr["kind"][v] == 0:
            for c in kids:
                reach[c] = reach[v] * [arr["chance_prob"][c], 1, 1]
        elif arr["kind"][v] == 1:
            i = arr["infoset"][v]
            p = game.infoset_players[i]
            w = reach[v, 0] * reach[v, 2 - p]
            weighted[i] = weighted.get(i, 0.0) + w * np.array([value[c, p] for c in kids])
            total[i] = total.get(i, 0.0) + w
            for k, c in enumerate(kids):
                factor = [1.0, 1.0, 1.0]
                factor[1 + p] = strategy[off[i] + k]
                reach[c] = reach[v] * factor
    q = {i: weighted[i] / total[i] for i in weighted if total[i] > 0}
    return q, total
