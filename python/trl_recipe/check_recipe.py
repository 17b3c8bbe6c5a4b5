#!/usr/bin/env python3
"""Checks of the TRL recipe's pieces against the installed stack, for trlChecks.interop.test.ts.

argv[1]: a JSON file {"tokenizer": dir, "template": name, "rows": [TRL rows], "accelerate_configs": [paths], "training_keys": [...]}
stdout: {"rendered": [full text per row], "prompts": [prompt text per prompt/completion row],
         "accelerate": [the configs as accelerate loads them], "missing_training_keys": [...]}
"""
import dataclasses
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from train_phased import CHAT_TEMPLATES  # noqa: E402


def main() -> None:
    job = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    from accelerate.commands.config.config_args import load_config_from_file
    from transformers import AutoTokenizer, Seq2SeqTrainingArguments

    tok = AutoTokenizer.from_pretrained(job["tokenizer"])
    tok.chat_template = CHAT_TEMPLATES[job["template"]]
    rendered, prompts = [], []
    for row in job["rows"]:
        messages = row["messages"] if "messages" in row else row["prompt"] + row["completion"]
        rendered.append(tok.apply_chat_template(messages, tokenize=False))
        if "prompt" in row:
            prompts.append(tok.apply_chat_template(row["prompt"], tokenize=False, add_generation_prompt=True))
    configs = [load_config_from_file(p).to_dict() for p in job["accelerate_configs"]]
    names = {f.name for f in dataclasses.fields(Seq2SeqTrainingArguments)}
    missing = [k for k in job["training_keys"] if k not in names]
    json.dump({"rendered": rendered, "prompts": prompts, "accelerate": configs,
               "missing_training_keys": missing}, sys.stdout)


if __name__ == "__main__":
    main()
