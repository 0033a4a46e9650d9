"""HuggingFace `Trainer(optimizers=(opt, Scheduler))` drives lrkit's schedule exactly."""

import torch
from hf_tiny import TinyData as _Data
from hf_tiny import TinyModel as _Model
from transformers import Trainer, TrainerCallback, TrainingArguments

import lrkit
from lrkit.torch import Scheduler


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
