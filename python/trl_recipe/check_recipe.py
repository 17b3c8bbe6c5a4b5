#!/usr/bin/env python3
"""Checks of the TRL recipe's pieces against the installed stack, for the scale-out interop tests.

argv[1]: a JSON file with any of
  "tokenizer" + "template" + "rows": render every TRL row with the recipe's chat template ("rendered"), and the
      prompt of every prompt/completion row as TRL renders it ("prompts"), and every row's ids and loss mask as the
      recipe trains it ("tokenized": [{input_ids, completion_mask}]);
  "accelerate_configs": [paths] loaded by accelerate's own loader ("accelerate");
  "training_keys": names that must be fields of transformers' Seq2SeqTrainingArguments ("missing_training_keys");
  "schedules": [{lr, total, warmup, min_ratio, steps}] the LR transformers' cosine schedule gives at each 0-based
      step ("lrs");
  "optimizer_states": [paths] of saved AdamW state dicts: the step count of their first parameter ("adam_steps").
stdout: the answers as one JSON object.
"""
import dataclasses
import json
import sys
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ in the repo
sys.path.insert(0, str(Path(__file__).resolve().parent))
from train_phased import CHAT_TEMPLATES, tokenized_rows  # noqa: E402


def main() -> None:
    job = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    out: dict = {}
    if "tokenizer" in job:
        from transformers import AutoTokenizer

        tok = AutoTokenizer.from_pretrained(job["tokenizer"])
        tok.chat_template = CHAT_TEMPLATES[job["template"]]
        out["rendered"], out["prompts"] = [], []
        for row in job["rows"]:
            messages = row["messages"] if "messages" in row else row["prompt"] + row["completion"]
            out["rendered"].append(tok.apply_chat_template(messages, tokenize=False))
            if "prompt" in row:
                out["prompts"].append(tok.apply_chat_template(row["prompt"], tokenize=False, add_generation_prompt=True))
        out["tokenized"] = [{k: r[k] for k in ("input_ids", "completion_mask")} for r in tokenized_rows(tok, job["rows"])]
    if "accelerate_configs" in job:
        from accelerate.commands.config.config_args import load_config_from_file

        out["accelerate"] = [load_config_from_file(p).to_dict() for p in job["accelerate_configs"]]
    if "training_keys" in job:
        from transformers import Seq2SeqTrainingArguments

        names = {f.name for f in dataclasses.fields(Seq2SeqTrainingArguments)}
        out["missing_training_keys"] = [k for k in job["training_keys"] if k not in names]
    if "schedules" in job:
        import torch
        from transformers import get_cosine_with_min_lr_schedule_with_warmup

        out["lrs"] = []
        for s in job["schedules"]:
            opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=s["lr"])
            sched = get_cosine_with_min_lr_schedule_with_warmup(opt, s["warmup"], s["total"], min_lr_rate=s["min_ratio"])
            lrs = []
            for _ in range(max(s["steps"]) + 1):
                lrs.append(sched.get_last_lr()[0])
                opt.step()
                sched.step()
            out["lrs"].append([lrs[i] for i in s["steps"]])
    if "optimizer_states" in job:
        import torch

        out["adam_steps"] = [float(next(iter(torch.load(p)["state"].values()))["step"]) for p in job["optimizer_states"]]
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
