"""A user's own task for ``lrkit plan --task plan_user_task:make_task`` (used by test_plan_cli)."""

import torch


class TinyRegression:
    """Noisy linear regression with a small MLP: the minimal task protocol, nothing more."""

    name = "tiny-regression"
    default_lr = 0.05
    default_optimizer = "sgd"
    default_epochs = 25

    def __init__(self, seed: int = 0, n: int = 256, batch_size: int = 32) -> None:
        g = torch.Generator().manual_seed(1234 + seed)
        self.seed = seed
        self.x = torch.randn(n, 5, generator=g)
        w = torch.randn(5, 1, generator=g)
        self.y = self.x @ w + 0.1 * torch.randn(n, 1, generator=g)
        self.batch_size = batch_size
        self.steps_per_epoch = n // batch_size

    def make_model(self) -> torch.nn.Module:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.seed)
            return torch.nn.Sequential(
                torch.nn.Linear(5, 16), torch.nn.Tanh(), torch.nn.Linear(16, 1)
            )

    def train_loader(self, epoch: int):
        g = torch.Generator().manual_seed(self.seed * 1000 + epoch)
        order = torch.randperm(len(self.x), generator=g)
        for i in range(0, len(order), self.batch_size):
            idx = order[i : i + self.batch_size]
            yield self.x[idx], self.y[idx]

    @staticmethod
    def loss_fn(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return torch.nn.functional.mse_loss(out, y)


def make_task(seed: int = 0) -> TinyRegression:
    return TinyRegression(seed)


def not_a_task(seed: int = 0) -> object:
    return object()
