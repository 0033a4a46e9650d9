"""PyTorch Lightning takes lrkit.torch.Scheduler from configure_optimizers, steps it per update."""

import lightning as L
import torch
from torch import nn

import lrkit
from lrkit.torch import Scheduler

TOTAL = 12  # 48 samples / batch 8 x 2 epochs
SCHEDULE = lrkit.warmup(lrkit.one_cycle(0.2), steps=2)


def _trainer(epochs, tmp_path):
    """A quiet CPU trainer: no logger, checkpoints, progress bar or summary."""
    return L.Trainer(
        max_epochs=epochs,
        accelerator="cpu",
        devices=1,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        default_root_dir=str(tmp_path),
    )


class _Module(L.LightningModule):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(4, 2)
        self.applied = []

    def training_step(self, batch, batch_idx):
        x, y = batch
        self.applied.append(self.trainer.optimizers[0].param_groups[0]["lr"])
        return nn.functional.cross_entropy(self.lin(x), y)

    def configure_optimizers(self):
        opt = torch.optim.SGD(self.parameters(), lr=0.1, momentum=0.9)
        sched = Scheduler(
            opt,
            {"lr": SCHEDULE, "momentum": lrkit.opposite(SCHEDULE.bind(total_steps=TOTAL))},
            total_steps=TOTAL,
        )
        return {"optimizer": opt, "lr_scheduler": {"scheduler": sched, "interval": "step"}}


def test_lightning_steps_the_scheduler_once_per_update(tmp_path):
    torch.manual_seed(0)
    x = torch.randn(48, 4)
    data = torch.utils.data.TensorDataset(x, (x[:, 0] > 0).long())
    loader = torch.utils.data.DataLoader(data, batch_size=8)
    module = _Module()
    trainer = _trainer(2, tmp_path)
    trainer.fit(module, loader)
    bound = SCHEDULE.bind(total_steps=TOTAL)
    assert module.applied == [bound(i) for i in range(TOTAL)]
    sched = trainer.lr_scheduler_configs[0].scheduler
    assert isinstance(sched, Scheduler) and sched.last_epoch == TOTAL


class _PlateauModule(L.LightningModule):
    """A validation loss that never improves: PyTorch's rule halves the rate after each epoch
    past the first (patience 0)."""

    def __init__(self, flag, torch_class=False):
        super().__init__()
        self.lin = nn.Linear(4, 2)
        self.flag = flag
        self.torch_class = torch_class
        self.applied = []

    def training_step(self, batch, batch_idx):
        x, y = batch
        return nn.functional.cross_entropy(self.lin(x), y)

    def validation_step(self, batch, batch_idx):
        self.log("val_loss", torch.tensor(1.0))

    def on_train_epoch_start(self):
        self.applied.append(self.trainer.optimizers[0].param_groups[0]["lr"])

    def configure_optimizers(self):
        opt = torch.optim.SGD(self.parameters(), lr=0.1)
        sched = (
            torch.optim.lr_scheduler.ReduceLROnPlateau(opt, patience=0, factor=0.5)
            if self.torch_class
            else self.make(opt)
        )
        config = {"scheduler": sched, "interval": "epoch", "monitor": "val_loss"}
        if self.flag:
            config["reduce_on_plateau"] = True  # docs/torch.md: Lightning needs it for lrkit's
        return {"optimizer": opt, "lr_scheduler": config}

    @staticmethod
    def make(opt):
        from lrkit.torch import ReduceOnPlateau

        return ReduceOnPlateau(opt, patience=0, factor=0.5)


def _fit(module, tmp_path):
    x = torch.randn(16, 4, generator=torch.Generator().manual_seed(0))
    data = torch.utils.data.TensorDataset(x, (x[:, 0] > 0).long())
    loader = torch.utils.data.DataLoader(data, batch_size=8)
    _trainer(4, tmp_path).fit(module, loader, loader)
    return module.applied


def test_lightning_reduce_on_plateau_needs_the_flag_as_the_docs_say(tmp_path):
    # the documented recipe reduces like PyTorch's ReduceLROnPlateau (detected by Lightning)
    reference = _fit(_PlateauModule(False, torch_class=True), tmp_path)
    assert reference == [0.1, 0.1, 0.05, 0.025]
    assert _fit(_PlateauModule(True), tmp_path) == reference
    # without it Lightning calls step() with no metric: the rate never drops (why the docs say it)
    assert _fit(_PlateauModule(False), tmp_path) == [0.1, 0.1, 0.1, 0.1]
