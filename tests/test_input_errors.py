"""Every kind of bad input gets an InvalidInputError naming the argument."""

import numpy as np
import pytest

import equilibria as eq

GOOD = np.array([[1.0, -1.0], [-1.0, 1.0]])


def test_hierarchy():
    assert issubclass(eq.InvalidInputError, ValueError)
    assert issubclass(eq.InvalidInputError, eq.EquilibriaError)
    assert issubclass(eq.NumericalError, eq.EquilibriaError)


@pytest.mark.parametrize(
    "a, fragment",
    [
        (np.array([[1.0, np.nan], [0.0, 1.0]]), "nan at index (0, 1)"),
        (np.array([[1.0, 0.0], [np.inf, 1.0]]), "inf at index (1, 0)"),
        (np.array([[1.0, 0.0], [-np.inf, 1.0]]), "-inf at index (1, 0)"),
        (np.zeros(3), "2-D array"),
        (np.zeros((2, 2, 2)), "2-D array"),
        (np.zeros((0, 3)), "non-empty"),
        (np.zeros((3, 0)), "non-empty"),
        (np.array([["a", "b"]]), "dtype <U1"),
        (np.array([[1 + 1j, 0]]), "dtype complex128"),
        (np.array([[True, False]]), "dtype bool"),
        (np.array([[object(), 1]], dtype=object), "dtype object"),
        ([[1.0, 2.0], [3.0]], "cannot convert"),
        ("not a matrix", "dtype <U12"),
    ],
)
@pytest.mark.parametrize("method", ["prm+", "exact", "lp"])
def test_bad_matrix(a, fragment, method):
    with pytest.raises(eq.InvalidInputError) as info:
        eq.solve_matrix_game(a, method=method)
    message = str(info.value)
    assert message.startswith("A: expected"), message
    assert fragment in message, message


def test_integer_and_noncontiguous_inputs_are_accepted():
    a = np.array([[3, 0], [0, 1]], dtype=np.int64)
    assert eq.solve_matrix_game(a, method="exact").value == pytest.approx(0.75)
    big = np.random.default_rng(0).uniform(-1, 1, (20, 30))
    r1 = eq.solve_matrix_game(big.T, method="exact")
    r2 = eq.solve_matrix_game(np.ascontiguousarray(big.T), method="exact")
    assert r1.value == r2.value
    assert eq.solve_matrix_game(np.float32(big), method="exact").gap <= 1e-12


@pytest.mark.parametrize(
    "kwargs, argument",
    [
        ({"method": "simplex"}, "method"),
        ({"method": 3}, "method"),
        ({"tol": -1.0}, "tol"),
        ({"tol": float("nan")}, "tol"),
        ({"tol": float("inf")}, "tol"),
        ({"tol": "small"}, "tol"),
        ({"max_iters": 0}, "max_iters"),
        ({"max_iters": 2.5}, "max_iters"),
        ({"max_iters": True}, "max_iters"),
        ({"threads": 0}, "threads"),
        ({"threads": -2}, "threads"),
        ({"threads": 1.5}, "threads"),
        ({"check_every": 0}, "check_every"),
        ({"step_size": 0.0}, "step_size"),
        ({"step_size": -1.0}, "step_size"),
        ({"progress": "yes"}, "progress"),
    ],
)
def test_bad_options(kwargs, argument):
    with pytest.raises(eq.InvalidInputError, match=rf"^{argument}: expected"):
        eq.solve_matrix_game(GOOD, **kwargs)


def test_bad_batches():
    with pytest.raises(eq.InvalidInputError, match="A: expected a 3-D array"):
        eq.solve_matrix_games(GOOD)
    with pytest.raises(eq.InvalidInputError, match="non-empty"):
        eq.solve_matrix_games(np.zeros((0, 2, 2)))
    bad = np.zeros((5, 2, 2))
    bad[3, 1, 0] = np.nan
    with pytest.raises(eq.InvalidInputError, match=r"nan at index \(3, 1, 0\)"):
        eq.solve_matrix_games(bad)
    with pytest.raises(eq.InvalidInputError, match="method"):
        eq.solve_matrix_games(np.zeros((2, 2, 2)), method="lp")


@pytest.mark.parametrize(
    "x, y, fragment",
    [
        ([0.5, 0.6], [0.5, 0.5], "x: expected probabilities summing to 1, found sum 1.1"),
        ([0.5, 0.5], [1.5, -0.5], "y: expected non-negative probabilities, found -0.5 at index 1"),
        ([1.0], [0.5, 0.5], "x: expected a vector of length 2, found length 1"),
        ([0.5, np.nan], [0.5, 0.5], "x: expected finite entries"),
        ([[0.5, 0.5]], [0.5, 0.5], "x: expected a 1-D array"),
    ],
)
def test_bad_strategies_for_duality_gap(x, y, fragment):
    with pytest.raises(eq.InvalidInputError) as info:
        eq.duality_gap(GOOD, x, y)
    assert fragment in str(info.value)


@pytest.mark.parametrize(
    "kwargs, argument",
    [
        ({"m": 0, "n": 3}, "m"),
        ({"m": 3, "n": -1}, "n"),
        ({"m": 3, "n": 3, "batch": 0}, "batch"),
        ({"m": 3, "n": 3, "seed": -1}, "seed"),
        ({"m": 3, "n": 3, "seed": 2**64}, "seed"),
        ({"m": 3, "n": 3, "seed": 1.5}, "seed"),
        ({"m": 3, "n": 3, "low": 1.0, "high": 1.0}, "low, high"),
        ({"m": 3, "n": 3, "low": float("nan")}, "low"),
    ],
)
def test_bad_generator_arguments(kwargs, argument):
    with pytest.raises(eq.InvalidInputError, match=rf"^{argument}: expected"):
        eq.random_matrix_game(**kwargs)
