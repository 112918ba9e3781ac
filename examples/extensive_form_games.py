"""Extensive-form games end to end: build a game by hand, solve it with CFR, check the answer
with an exact best response, write it as Gambit .efg, and solve a built-in poker game.

Run: python examples/extensive_form_games.py
"""

from __future__ import annotations

import equilibria as eq

# 1. A one-card poker game built node by node. Chance deals Alice a high or low card; she bets
#    or checks; after a bet Bob, who does not see the card, calls or folds.
b = eq.GameBuilder(num_players=2)
deal = b.chance(None, [("high", 0.5), ("low", 0.5)])
for k, card in enumerate(["high", "low"]):
    alice = b.decision((deal, k), player=0, infoset=f"Alice {card}", actions=["bet", "check"])
    bob = b.decision((alice, 0), player=1, infoset="Bob after a bet", actions=["call", "fold"])
    win = 2 if card == "high" else -2
    b.terminal((bob, 0), [win, -win])  # showdown for a pot of 2 each
    b.terminal((bob, 1), [1, -1])  # Bob folds: Alice wins the ante
    b.terminal((alice, 1), [win / 2, -win / 2])  # check: showdown for the antes
game = b.build()
print(game)

# 2. Solve with discounted CFR; the certificate is the exact exploitability of the average.
solver = eq.CFR(game, "dcfr").run(2000, checkpoint_every=500)
strategy = solver.average_strategy()
print("checkpoints:", [(t, f"{e:.2e}") for t, e in solver.trace])
print("Alice with a low card bets with probability", round(strategy["Alice low"][0], 4))
print("Bob calls with probability", round(strategy["Bob after a bet"][0], 4))
print("value to Alice:", round(float(game.expected_payoffs(strategy)[0]), 6))

# 3. An exact best response against Alice's strategy (Bob's best counter-strategy).
br = eq.best_response(game, strategy, player=1)
print("Bob's best-response value:", round(br.value, 6))

# 4. Gambit's .efg format: write, read back, same game.
text = game.to_efg()
again = eq.parse_efg(text)
assert again.infoset_labels == game.infoset_labels
print(text.splitlines()[0])

# 5. A built-in game with OpenSpiel's rules and labels: Leduc hold'em, 1000 CFR+ iterations.
leduc = eq.games.leduc_poker()
leduc_solver = eq.CFR(leduc, "cfr+").run(1000)
print(leduc, "exploitability after 1000 CFR+ iterations:", f"{leduc_solver.exploitability():.2e}")
