#!/usr/bin/env python3
"""Phased Instruction Fine-Tuning with Hugging Face TRL, written by Phased IFT Studio (see README.md beside it).

Trains one arm of the studio's experiment, stage after stage, with the settings in recipe.json:

  python train_phased.py --arm phased          # the phases in the plan's order, each from the previous output
  python train_phased.py --arm one-off         # the baseline: every training record at once, same epochs
  accelerate launch --config_file accelerate_multi_gpu.yaml train_phased.py --arm phased   # several GPUs

With `"finetuning": "lora"` in recipe.json the stages train a peft LoRA adapter on the base model instead: stage 1
creates it (recipe.json's `lora`: rank, alpha, the module names for the model's `model_type`), every later stage loads
the previous stage's adapter trainable, and each stage's folder holds that adapter (adapter_config.json +
adapter_model.safetensors), which `PeftModel.from_pretrained(base, folder)` and the studio both read.

Each stage is an SFTTrainer on one phase's file (conversational prompt/completion rows, or messages for
conversations), with the run's template as the tokenizer's chat template (the studio's prompt template, a built-in
chat template, or the base model's own), the rows tokenized and masked
by the studio's rule (studio_tokens: the response and every trained earlier answer, seam token included),
AdamW (betas, eps, weight decay on everything but biases and LayerNorm weights: the Trainer's rule), gradient
clipping, warm-up + cosine restarted per phase or spanning the arm, and a fresh or carried optimizer, as the run
was set. Each stage writes into its output folder: the model, `phased_ift_log.json` (which record ids every
micro-batch held, the Trainer's log) and `held_out_eval.json` (loss per difficulty bucket on the held-out file).
"""
from __future__ import annotations

import argparse
import json
import math
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
LOG_FILE = "phased_ift_log.json"
EVAL_FILE = "held_out_eval.json"
DONE_FILE = ".phased-ift-done"
OPTIMIZER_FILE = "optimizer_state.pt"

# The studio's prompt templates (src/core/text/template.ts) as chat templates. A user message holds the
# instruction in `content` and the record's input in `input`; an assistant message with `trained: false` is context
# only. `{% generation %}` marks what is trained (studio_tokens reads those marks).
# Newlines are written as '\n' expressions: transformers renders chat templates with trim_blocks.
CHAT_TEMPLATES = {
    # <bos>User: u1<eos>\nAssistant: a1<eos>\nUser: u2[\ninput]<eos>\nAssistant: a2<eos>
    "paper": (
        "{{- bos_token -}}"
        "{%- for m in messages -%}"
        "{%- if m['role'] == 'user' -%}"
        "{%- if not loop.first -%}{{- '\\n' -}}{%- endif -%}"
        "{{- 'User: ' + m['content'] -}}"
        "{%- if m.get('input') -%}{{- '\\n' + m['input'] -}}{%- endif -%}"
        "{{- eos_token + '\\nAssistant: ' -}}"
        "{%- elif m['role'] == 'assistant' -%}"
        "{%- if m.get('trained') is sameas false -%}{{- m['content'] + eos_token -}}"
        "{%- else -%}{%- generation -%}{{- m['content'] + eos_token -}}{%- endgeneration -%}{%- endif -%}"
        "{%- endif -%}"
        "{%- endfor -%}"
    ),
    # LLaMA-Factory's "alpaca" layout: the head once, then ### Instruction / [### Input] / ### Response per exchange.
    "alpaca": (
        "{{- bos_token -}}"
        "{%- set users = messages | selectattr('role', 'equalto', 'user') | list -%}"
        "{%- if users and (users | last).get('input') -%}"
        "{{- 'Below is an instruction that describes a task, paired with an input that provides further context. "
        "Write a response that appropriately completes the request.\\n\\n' -}}"
        "{%- else -%}"
        "{{- 'Below is an instruction that describes a task. Write a response that appropriately completes the "
        "request.\\n\\n' -}}"
        "{%- endif -%}"
        "{%- for m in messages -%}"
        "{%- if m['role'] == 'user' -%}"
        "{{- '### Instruction:\\n' + m['content'] + '\\n\\n' -}}"
        "{%- if m.get('input') -%}{{- '### Input:\\n' + m['input'] + '\\n\\n' -}}{%- endif -%}"
        "{{- '### Response:\\n' -}}"
        "{%- elif m['role'] == 'assistant' -%}"
        "{%- if m.get('trained') is sameas false -%}{{- m['content'] + eos_token -}}"
        "{%- else -%}{%- generation -%}{{- m['content'] + eos_token -}}{%- endgeneration -%}{%- endif -%}"
        "{%- if not loop.last -%}{{- '\\n\\n' -}}{%- endif -%}"
        "{%- endif -%}"
        "{%- endfor -%}"
    ),
}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="Phased IFT with TRL: trains one arm of the studio's experiment.")
    p.add_argument("--arm", choices=["phased", "one-off"], default="phased")
    p.add_argument("--recipe", default=str(HERE / "recipe.json"), help="the settings file the studio wrote")
    p.add_argument("--base-model", help="overrides recipe.json's base model (a Hub id or a local folder)")
    p.add_argument("--output-root", help="where the stages' folders go (default: recipe.json's, beside this script)")
    p.add_argument("--max-steps-per-stage", type=int, default=-1, help="stop each stage after this many optimizer "
                   "steps (a smoke test); the LR schedule stays the full run's")
    p.add_argument("--cpu", action="store_true", help="train on the CPU in float32 (a smoke test)")
    p.add_argument("--deepspeed", help="a DeepSpeed JSON (ds_zero2.json) when not set by `accelerate launch`")
    p.add_argument("--logging-steps", type=int, help="overrides recipe.json's logging interval")
    return p.parse_args(argv)


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def lr_factor(step: int, total: int, warmup: int, min_ratio: float) -> float:
    """transformers' get_cosine_with_min_lr_schedule_with_warmup (get_cosine_schedule_with_warmup at min_ratio 0)."""
    if step < warmup:
        return step / max(1, warmup)
    progress = (step - warmup) / max(1, total - warmup)
    return max(0.0, 0.5 * (1.0 + math.cos(math.pi * progress)) * (1.0 - min_ratio) + min_ratio)


def warmup_steps(total: int, ratio: float) -> int:
    """The Trainer's get_warmup_steps, ceil(total × ratio), but none when that is under one step: the Trainer would
    round it up to one step at LR 0, which in a short stage is an update that trains nothing (the studio's rule,
    src/core/train/schedule.ts)."""
    return 0 if total * ratio < 1 else min(total, math.ceil(total * ratio))


def update_steps(records: int, hyper: dict, world_size: int) -> int:
    """Optimizer steps the Trainer takes on `records` rows: ceil(micro-batches / accumulation) per epoch."""
    micro = math.ceil(records / (hyper["per_device_train_batch_size"] * world_size))
    per_epoch = max(1, math.ceil(micro / hyper["gradient_accumulation_steps"]))
    return math.ceil(hyper["num_train_epochs"] * per_epoch)


def common_prefix(a: list[int], b: list[int]) -> int:
    n = 0
    while n < len(a) and n < len(b) and a[n] == b[n]:
        n += 1
    return n


GENERATION_TAG = re.compile(r"{%-?\s*generation\s*-?%}")
PROBE = "Zq7Probe"


def as_chat_messages(messages: list[dict]) -> list[dict]:
    """The messages a chat template is given, as the studio gives them: a record's input after its instruction on a
    new line, in the user turn, and no `trained` flag (it says what is trained, not what is written)."""
    out = []
    for m in messages:
        content = m["content"] + "\n" + m["input"] if m["role"] == "user" and m.get("input") else m["content"]
        out.append({**{k: v for k, v in m.items() if k not in ("input", "trained")}, "content": content})
    return out


def special_tokens(tokenizer) -> list[str]:
    """Every special token's text: bos/eos/pad/unk, the additional ones and the added tokens marked special."""
    found = set(tokenizer.all_special_tokens)
    found.update(t.content for t in tokenizer.added_tokens_decoder.values() if t.special)
    return sorted(found)


def end_of_turn(tokenizer, chat_template: str, context: dict) -> str:
    """The special token the template closes an assistant turn with: the first it writes after an answer."""
    from transformers.utils.chat_template_utils import render_jinja_template

    (text,), _ = render_jinja_template([[{"role": "user", "content": "Zq7Question"},
                                         {"role": "assistant", "content": PROBE}]],
                                       chat_template=chat_template, **context)
    after = text.index(PROBE) + len(PROBE)
    best = None
    for token in special_tokens(tokenizer):
        at = text.find(token, after)
        if at >= 0 and (best is None or at < best[0] or (at == best[0] and len(token) > len(best[1]))):
            best = (at, token)
    if best is None:
        raise SystemExit("error: the chat template writes no special token after an assistant's answer, so the "
                         "end of its turn cannot be found; use a template that closes turns with a special token.")
    return best[1]


def assistant_spans(tokenizer, messages: list[dict], chat: bool) -> tuple[str, list[tuple[int, int]]]:
    """The rendered conversation and the characters [start, end) of every trained answer (src/core/text/chatTemplate.ts).

    Where the template marks answers with `{% generation %}`, the marked text (the studio's own templates write
    untrained answers without the mark). Otherwise the documented rule: an answer starts where the conversation up to
    it, rendered with `add_generation_prompt`, ends, and ends with the first end-of-turn token after that, included.
    """
    from transformers.utils.chat_template_utils import render_jinja_template

    template = tokenizer.chat_template
    context = dict(tokenizer.special_tokens_map)
    rendered_messages = as_chat_messages(messages) if chat else messages
    trained = [m.get("trained") is not False for m in messages if m["role"] == "assistant"]
    if GENERATION_TAG.search(template):
        (text,), (spans,) = render_jinja_template([rendered_messages], chat_template=template,
                                                  return_assistant_tokens_mask=True, **context)
        if not chat:
            return text, list(spans)
        if len(spans) != len(trained):
            raise SystemExit(f"error: the chat template marked {len(spans)} generation spans for {len(trained)} "
                             "assistant turns; it must mark every assistant turn.")
        return text, [s for s, t in zip(spans, trained) if t]
    (text,), _ = render_jinja_template([rendered_messages], chat_template=template, **context)
    turn_end = end_of_turn(tokenizer, template, context)
    spans = []
    k = 0
    for i, m in enumerate(rendered_messages):
        if m["role"] != "assistant":
            continue
        (before,), _ = render_jinja_template([rendered_messages[:i]], chat_template=template,
                                             add_generation_prompt=True, **context)
        if not text.startswith(before):
            raise SystemExit(f"error: the chat template renders the conversation up to assistant turn {i} as text the "
                             "whole conversation does not start with, so its trained part cannot be found; train "
                             "with a built-in template instead.")
        at = text.find(turn_end, len(before))
        if at < 0:
            raise SystemExit(f"error: the chat template does not close assistant turn {i} with {turn_end}.")
        if trained[k]:
            spans.append((len(before), at + len(turn_end)))
        k += 1
    return text, spans


def studio_tokens(tokenizer, messages: list[dict], chat: bool = False) -> dict:
    """One row's token ids and loss mask by the studio's rule (src/core/text/template.ts, chatTemplate.ts,
    docs/TRAINING_RULES.md).

    The rendered conversation is tokenized as one string, special tokens read. Each trained answer is trained from
    the first token that the text before it, tokenized alone, does not share with the whole, to the token holding its
    last character. So a token straddling the seam (GPT-2's " Paris", holding the prompt's last space) is trained.
    The row ends with its last trained token (what follows is context for nothing). TRL's own prompt/completion
    tokenization masks len(tokenize(prompt)) tokens instead, which makes that token context; hence the rows reach
    SFTTrainer already tokenized.
    """
    text, spans = assistant_spans(tokenizer, messages, chat)

    def encode(s: str) -> list[int]:
        return tokenizer(s, add_special_tokens=False)["input_ids"]

    ids = encode(text)
    mask = [0] * len(ids)
    last = 0
    for start_char, end_char in spans:
        if end_char <= start_char:
            continue
        start = common_prefix(encode(text[:start_char]), ids)
        up_to = encode(text[:end_char])
        whole = common_prefix(up_to, ids)
        end = max(start, min(whole if whole == len(up_to) else whole + 1, len(ids)))
        mask[start:end] = [1] * (end - start)
        last = max(last, end)
    return {"input_ids": ids[:last], "completion_mask": mask[:last]}


def tokenized_rows(tokenizer, rows: list[dict], chat: bool = False) -> list[dict]:
    """The rows as SFTTrainer's pre-tokenized dataset (it skips its own tokenization when `input_ids` is there)."""
    return [{"id": r["id"], "phase": r["phase"],
             **studio_tokens(tokenizer, r["messages"] if "messages" in r else r["prompt"] + r["completion"], chat)}
            for r in rows]


def set_chat_template(tokenizer, recipe: dict, model_in: str) -> bool:
    """Sets the run's template as the tokenizer's; True when it is a chat template (not one of the studio's)."""
    template = recipe["template"]
    if template in CHAT_TEMPLATES:
        tokenizer.chat_template = CHAT_TEMPLATES[template]
        return False
    if template != "chat":
        raise SystemExit(f"error: recipe.json names the template {template!r}; this script knows "
                         f"{sorted(CHAT_TEMPLATES) + ['chat']}.")
    chat = recipe["chat_template"]
    if chat["source"] is None:
        own = tokenizer.chat_template
        if isinstance(own, dict):
            own = own.get("default")
        if not own:
            raise SystemExit(f"error: the run trained in the model's own chat template, but {model_in} has none; "
                             "give a --base-model that ships one (an -Instruct model of the same family).")
        tokenizer.chat_template = own
        return True
    for token in chat["needs_tokens"]:
        if len(tokenizer(token, add_special_tokens=False)["input_ids"]) != 1 or token not in special_tokens(tokenizer):
            raise SystemExit(f"error: the {chat['choice']} chat template writes {token}, which {model_in}'s tokenizer "
                             "has no special token for; use a base model of the family the template is made for.")
    tokenizer.chat_template = chat["source"]
    return True


def bucket_losses(model, rows: list[dict], pad_id: int, batch_size: int = 8) -> dict:
    """Mean cross-entropy per trained token (labels != -100) of each bucket, token-weighted, and overall."""
    import torch
    import torch.nn.functional as F

    device = next(model.parameters()).device
    sums: dict[str, float] = {}
    tokens: dict[str, int] = {}
    records: dict[str, int] = {}
    was_training = model.training
    model.eval()
    with torch.no_grad():
        for at in range(0, len(rows), batch_size):
            chunk = rows[at:at + batch_size]
            width = max(len(r["input_ids"]) for r in chunk)
            ids = torch.full((len(chunk), width), pad_id, dtype=torch.long)
            labels = torch.full((len(chunk), width), -100, dtype=torch.long)
            attention = torch.zeros((len(chunk), width), dtype=torch.long)
            for i, r in enumerate(chunk):
                n = len(r["input_ids"])
                ids[i, :n] = torch.tensor(r["input_ids"])
                labels[i, :n] = torch.tensor(r["labels"])
                attention[i, :n] = 1
            logits = model(input_ids=ids.to(device), attention_mask=attention.to(device)).logits.float()
            target = labels[:, 1:].to(device)
            ce = F.cross_entropy(logits[:, :-1].reshape(-1, logits.shape[-1]), target.reshape(-1),
                                 ignore_index=-100, reduction="none").view(target.shape)
            for i, r in enumerate(chunk):
                b = str(r["phase"])
                sums[b] = sums.get(b, 0.0) + float(ce[i].double().sum())
                tokens[b] = tokens.get(b, 0) + int((target[i] != -100).sum())
                records[b] = records.get(b, 0) + 1
    model.train(was_training)
    order = sorted(sums, key=lambda b: (float(b), b) if b.replace(".", "", 1).isdigit() else (math.inf, b))
    buckets = [{"bucket": b, "loss": sums[b] / tokens[b] if tokens[b] else None, "records": records[b],
                "tokens": tokens[b]} for b in order]
    total = sum(tokens.values())
    return {"buckets": buckets, "overall": sum(sums.values()) / total if total else None, "tokens": total}


def with_adapter(model, lora: dict, adapter_from: str | None):
    """The base model with the run's LoRA adapter: a new one (stage 1, peft's init: A random, B zero, so the first
    step is the base model's), or the previous stage's, loaded trainable so this stage trains it on."""
    from peft import LoraConfig, PeftModel, get_peft_model

    if adapter_from is not None:
        return PeftModel.from_pretrained(model, adapter_from, is_trainable=True)
    model_type = model.config.model_type
    names = lora["by_model_type"].get(model_type)
    if names is None:
        raise SystemExit(f"error: recipe.json's lora has no module names for model_type {model_type!r} (it has "
                         f"{sorted(lora['by_model_type'])}); add an entry under lora.by_model_type with this model's "
                         f"names for {lora['studio_targets']}.")
    return get_peft_model(model, LoraConfig(
        r=lora["r"], lora_alpha=lora["lora_alpha"], lora_dropout=lora["lora_dropout"], bias=lora["bias"],
        target_modules=names["target_modules"], modules_to_save=names["modules_to_save"],
        fan_in_fan_out=names["fan_in_fan_out"], task_type="CAUSAL_LM"))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    recipe_path = Path(args.recipe).resolve()
    recipe = json.loads(recipe_path.read_text(encoding="utf-8"))
    root = recipe_path.parent

    import torch
    import transformers
    import trl
    from accelerate import PartialState
    from datasets import Dataset
    from transformers import AutoModelForCausalLM, AutoTokenizer, set_seed
    from trl import SFTConfig, SFTTrainer

    h = recipe["hyper"]
    state = PartialState()
    world = state.num_processes
    finetuning = recipe.get("finetuning", "full")
    if finetuning not in ("full", "lora"):
        raise SystemExit(f"error: recipe.json's finetuning is {finetuning!r}; this script trains 'full' or 'lora'.")
    runs = recipe["stages"] if args.arm == "phased" else [recipe["one_off"]]
    if runs == [None]:
        raise SystemExit("error: this recipe was exported without the one-off baseline.")
    out_root = Path(args.output_root).resolve() if args.output_root else root / recipe["output_root"]
    base_model = args.base_model or recipe["base_model"]
    if (root / base_model).exists():
        base_model = str((root / base_model).resolve())
    deepspeed = args.deepspeed and str(Path(args.deepspeed).resolve())
    carried = not h["reset_optimizer_per_phase"] and args.arm == "phased"
    if carried and (deepspeed or state.distributed_type.name == "DEEPSPEED"):
        raise SystemExit("error: a carried optimizer is only supported without DeepSpeed (its ZeRO optimizer state "
                         "is sharded); set the run to a fresh optimizer per phase, or train without DeepSpeed.")
    span = not h["restart_schedule_per_phase"] and args.arm == "phased"
    steps_of = [update_steps(r["records"], h, world) for r in runs]
    span_total = sum(steps_of)

    def say(text: str) -> None:
        if state.is_main_process:
            print(f"== {text}", flush=True)

    held_out_path = root / recipe["held_out"]["data"] if recipe.get("held_out") else None
    say(f"arm {args.arm}: {len(runs)} stage(s); torch {torch.__version__}, transformers {transformers.__version__}, "
        f"trl {trl.__version__}, {world} process(es)")
    model_in = base_model
    steps_before = 0
    for k, run in enumerate(runs):
        out = out_root / run["output_dir"]
        if (out / DONE_FILE).exists():
            say(f"stage {k + 1}: {out} is finished already; skipping (delete it to train it again)")
            model_in, steps_before = str(out), steps_before + steps_of[k]
            continue
        set_seed(h["seed"])
        rows = read_jsonl(root / run["data"])
        tokenizer = AutoTokenizer.from_pretrained(model_in)
        chat = set_chat_template(tokenizer, recipe, model_in)
        if finetuning == "lora":
            model = with_adapter(AutoModelForCausalLM.from_pretrained(base_model, dtype=torch.float32),
                                 recipe["lora"], None if model_in == base_model else model_in)
        else:
            model = AutoModelForCausalLM.from_pretrained(model_in, dtype=torch.float32)
        context = getattr(model.config, "max_position_embeddings", None) or getattr(model.config, "n_positions", None)
        max_length = min(recipe["max_length"], context) if context else recipe["max_length"]
        held_out = read_jsonl(held_out_path) if held_out_path else []
        use_bf16 = bool(h["bf16"]) and not args.cpu and torch.cuda.is_available() and torch.cuda.is_bf16_supported()

        config = SFTConfig(
            output_dir=str(out),
            per_device_train_batch_size=h["per_device_train_batch_size"],
            gradient_accumulation_steps=h["gradient_accumulation_steps"],
            num_train_epochs=h["num_train_epochs"],
            max_steps=args.max_steps_per_stage,
            learning_rate=h["learning_rate"],
            weight_decay=h["weight_decay"],
            adam_beta1=h["adam_beta1"],
            adam_beta2=h["adam_beta2"],
            adam_epsilon=h["adam_epsilon"],
            max_grad_norm=h["max_grad_norm"],
            optim="adamw_torch",
            seed=h["seed"],
            bf16=use_bf16,
            use_cpu=args.cpu,
            deepspeed=deepspeed,
            logging_steps=args.logging_steps or h["logging_steps"],
            logging_first_step=True,
            save_strategy="no",
            report_to="none",
            max_length=max_length,
            # the rows' `completion_mask` (studio_tokens) becomes the labels, for single exchanges and conversations
            completion_only_loss=True,
            # keep `id` and `phase` for the log; the collator below passes only the model's inputs on
            remove_unused_columns=False,
            dataset_num_proc=None,
        )
        log: dict = {"stage": k + 1, "phase": run.get("phase"), "model_from": model_in, "data": run["data"],
                     "record_ids": [r["id"] for r in rows], "micro_batches": [], "first_step_batch": None,
                     "planned_steps": steps_of[k], "schedule": "spanning" if span else "per stage",
                     "optimizer": "carried" if carried and k > 0 else "fresh"}

        class PhaseTrainer(SFTTrainer):
            def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
                ids = inputs.pop("record_ids", None)
                if ids is not None and model.training:
                    step = self.state.global_step + 1
                    log["micro_batches"].append({"step": step, "ids": ids})
                    if step == 1:
                        mask = inputs["attention_mask"].bool()
                        first = log["first_step_batch"] or {"input_ids": [], "labels": []}
                        first["input_ids"] += [row[m].tolist() for row, m in zip(inputs["input_ids"], mask)]
                        first["labels"] += [row[m].tolist() for row, m in zip(inputs["labels"], mask)]
                        log["first_step_batch"] = first
                return super().compute_loss(model, inputs, return_outputs, num_items_in_batch)

            def create_scheduler(self, num_training_steps, optimizer=None):
                if self.lr_scheduler is None:
                    total = span_total if span else steps_of[k]
                    offset = steps_before if span else 0
                    warmup = warmup_steps(total, h["warmup_ratio"])
                    self.lr_scheduler = torch.optim.lr_scheduler.LambdaLR(
                        optimizer or self.optimizer,
                        lambda s: lr_factor(offset + s, total, warmup, h["min_lr_ratio"]))
                    self._created_lr_scheduler = True
                return self.lr_scheduler

            def create_optimizer(self, model=None):
                fresh = self.optimizer is None
                optimizer = super().create_optimizer(model)
                previous = Path(model_in) / OPTIMIZER_FILE
                if fresh and carried and k > 0:
                    optimizer.load_state_dict(torch.load(previous, map_location="cpu"))
                return optimizer

        trainer = PhaseTrainer(model=model, args=config, train_dataset=Dataset.from_list(tokenized_rows(tokenizer, rows, chat)),
                               eval_dataset=Dataset.from_list(tokenized_rows(tokenizer, held_out, chat)) if held_out else None,
                               processing_class=tokenizer)
        inner = trainer.data_collator

        def collate(examples, inner=inner):
            keep = ("input_ids", "labels", "seq_lengths")
            batch = inner([{key: e[key] for key in keep if key in e} for e in examples])
            batch["record_ids"] = [e["id"] for e in examples]
            return batch

        trainer.data_collator = collate
        if trainer.train_dataset.num_rows != len(rows):
            say(f"warning: {len(rows) - trainer.train_dataset.num_rows} row(s) were dropped (longer than "
                f"{max_length} tokens with nothing left to train on)")
        say(f"stage {k + 1}: {run['data']} ({len(rows)} records, {steps_of[k]} steps) from {model_in}")
        trainer.train()
        trainer.accelerator.wait_for_everyone()
        if state.is_main_process:
            trainer.save_model(str(out))
            log["log_history"] = trainer.state.log_history
            log["first_step_loss"] = next((e["loss"] for e in trainer.state.log_history if e.get("step") == 1 and "loss" in e), None)
            log["steps"] = trainer.state.global_step
            (out / LOG_FILE).write_text(json.dumps(log, indent=1) + "\n", encoding="utf-8")
            if carried:
                torch.save(trainer.optimizer.state_dict(), out / OPTIMIZER_FILE)
            if trainer.eval_dataset is not None:
                model_for_eval = trainer.accelerator.unwrap_model(trainer.model)
                report = bucket_losses(model_for_eval, list(trainer.eval_dataset), tokenizer.pad_token_id)
                (out / EVAL_FILE).write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
                say(f"stage {k + 1}: held-out loss per bucket " +
                    ", ".join(f"{b['bucket']}: {b['loss']:.4f}" for b in report["buckets"]))
            (out / DONE_FILE).write_text(json.dumps({"stage": k + 1, "steps": trainer.state.global_step}) + "\n")
        trainer.accelerator.wait_for_everyone()
        model_in, steps_before = str(out), steps_before + steps_of[k]
        del trainer, model
    say(f"done: the final {'adapter' if finetuning == 'lora' else 'model'} is in {model_in}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
