"""The JAX/optax recipe of docs/plan.md, run as written on a small regression."""

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np
import optax  # noqa: E402

import lrkit  # noqa: E402
import lrkit.jax  # noqa: E402


def test_the_jax_recipe_plans_and_the_plan_drives_optax():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(512, 4)).astype(np.float32)
    Y = X @ np.array([1.0, -2.0, 0.5, 3.0], np.float32) + 0.1 * rng.normal(size=512).astype(
        np.float32
    )
    params0 = {"w": jnp.zeros(4), "b": jnp.zeros(())}

    def loss_fn(p, x, y):
        return jnp.mean((x @ p["w"] + p["b"] - y) ** 2)

    def batches(seed=0):
        r = np.random.default_rng(seed)
        while True:
            order = r.permutation(len(X))
            for i in range(0, len(X), 32):
                idx = order[i : i + 32]
                yield X[idx], Y[idx]

    tx = optax.inject_hyperparams(optax.sgd)(learning_rate=0.0, momentum=0.9)

    @jax.jit
    def step(params, state, lr, x, y):
        state.hyperparams["learning_rate"] = lr
        loss, grads = jax.value_and_grad(loss_fn)(params, x, y)
        updates, state = tx.update(grads, state, params)
        return optax.apply_updates(params, updates), state, loss

    calls = []

    def run(schedule, steps):
        calls.append(steps)
        params, state = params0, tx.init(params0)
        rates = np.asarray(schedule(np.arange(steps)))
        losses = []
        for t, (x, y) in zip(range(steps), batches(seed=0)):
            params, state, loss = step(params, state, rates[t], x, y)
            losses.append(float(loss))
            if not np.isfinite(losses[-1]):
                break
        return losses

    total = 400
    plan = lrkit.plan(run, total)
    assert plan.cost == sum(calls) <= 0.5 * total
    # the real run under the plan, with optax's own schedule callable
    tx_final = optax.sgd(learning_rate=lrkit.jax.schedule(plan.schedule), momentum=0.9)
    params, state = params0, tx_final.init(params0)
    seen = []
    for _, (x, y) in zip(range(total), batches(seed=0)):
        loss, grads = jax.value_and_grad(loss_fn)(params, x, y)
        seen.append(float(loss))
        updates, state = tx_final.update(grads, state, params)
        params = optax.apply_updates(params, updates)
    final = float(loss_fn(params, X, Y))
    # near the noise floor (0.01) and far below the start (~14)
    assert final < 0.05
    # `run` under the planned schedule is that same run: the rates agree step by step
    again = run(plan.schedule, total)
    np.testing.assert_allclose(again, seen, rtol=1e-4)
