"""HuggingFace `Trainer(optimizers=(opt, Scheduler))` drives lrkit's schedule exactly."""

import torch
from torch import nn
from transformers import Trainer, TrainerCallback, TrainingArguments

import lrkit
from lrkit.torch import Scheduler


class _Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(4, 2)

    def forward(self, x=None, labels=None):
        logits = self.lin(x)
        return {"loss": nn.functional.cross_entropy(logits, labels), "logits": logits}


class _Data(torch.utils.data.Dataset):
    def __init__(self):
        g = torch.Generator().manual_seed(0)
        self.x = torch.randn(64, 4, generator=g)
        self.y = (self.x[:, 0] > 0).long()

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return {"x": self.x[i], "labels": self.y[i]}


def test_hf_trainer_applies_and_logs_lrkit_values(tmp_path):
    torch.manual_seed(0)
    model = _Model()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    schedule = lrkit.warmup(lrkit.cosine(0.1, 0.0), steps=3)
    total = 16  # 64 samples / batch 8 x 2 epochs
    sched = Scheduler(opt, schedule, total_steps=total)
    applied = []

    class Record(TrainerCallback):
        def on_step_begin(self, args, state, control, **kwargs):
            applied.append(opt.param_groups[0]["lr"])

    args = TrainingArguments(
        output_dir=str(tmp_path),
        per_device_train_batch_size=8,
        num_train_epochs=2,
        logging_steps=1,
        report_to=[],
        save_strategy="no",
        use_cpu=True,
        disable_tqdm=True,
    )
    trainer = Trainer(
        model=model,
        args=args,
        train_dataset=_Data(),
        optimizers=(opt, sched),
        callbacks=[Record()],
    )
    trainer.train()
    want = [schedule.bind(total_steps=total)(i) for i in range(total)]
    assert applied == want  # the rate every update used, bit for bit
    logged = [h["learning_rate"] for h in trainer.state.log_history if "learning_rate" in h]
    assert logged == want  # HF logs get_last_lr(): the same values
    assert sched.last_epoch == total
