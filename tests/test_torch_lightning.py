"""PyTorch Lightning takes lrkit.torch.Scheduler from configure_optimizers, steps it per update."""

import lightning as L
import torch
from torch import nn

import lrkit
from lrkit.torch import Scheduler

TOTAL = 12  # 48 samples / batch 8 x 2 epochs
SCHEDULE = lrkit.warmup(lrkit.one_cycle(0.2), steps=2)


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
    trainer = L.Trainer(
        max_epochs=2,
        accelerator="cpu",
        devices=1,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        default_root_dir=str(tmp_path),
    )
    trainer.fit(module, loader)
    bound = SCHEDULE.bind(total_steps=TOTAL)
    assert module.applied == [bound(i) for i in range(TOTAL)]
    sched = trainer.lr_scheduler_configs[0].scheduler
    assert isinstance(sched, Scheduler) and sched.last_epoch == TOTAL
