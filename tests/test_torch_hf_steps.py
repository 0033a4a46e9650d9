"""``total_steps`` against the real HuggingFace ``Trainer`` loop (the pinned transformers)."""

import warnings

import pytest
import torch
from hf_tiny import TinyData as _Data
from hf_tiny import TinyModel as _Model
from transformers import Trainer, TrainingArguments

import lrkit
from lrkit.torch import Scheduler, total_steps


@pytest.mark.parametrize("accumulation", [3, 2])  # 10 batches: a partial and an exact accumulation
def test_total_steps_matches_the_trainer_loop(tmp_path, accumulation):
    torch.manual_seed(0)
    epochs, batches = 2, 10
    n = total_steps(epochs, batches, accumulation)  # the documented recipe: partial="step"
    model = _Model()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    schedule = lrkit.linear(0.1, 0.0)
    sched = Scheduler(opt, schedule, total_steps=n)
    args = TrainingArguments(
        output_dir=str(tmp_path),
        per_device_train_batch_size=1,
        gradient_accumulation_steps=accumulation,
        num_train_epochs=epochs,
        report_to=[],
        save_strategy="no",
        use_cpu=True,
        disable_tqdm=True,
        logging_strategy="no",
    )
    trainer = Trainer(model=model, args=args, train_dataset=_Data(batches), optimizers=(opt, sched))
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*past the end of the run")
        trainer.train()
    assert trainer.state.global_step == n == sched.last_epoch
    assert trainer.state.max_steps == n
    assert opt.param_groups[0]["lr"] == 0.0  # the decay ends exactly at the last update
    if accumulation == 3:  # the partial accumulation steps: ceil(10 / 3) = 4 per epoch
        assert n == 8 and total_steps(epochs, batches, accumulation, partial="drop") == 6
