"""Golden files from the reference implementation (transformers / torch), for the studio's unit tests.

Writes src/core/golden/ (committed; the unit tests read it on every run, no Python needed there):
  gpt2/, gpt_neo/   tiny random models as transformers saves them (config.json + model.safetensors)
  reference.json    their logits and masked losses on fixed ids, from transformers' forward
  schedule.json     the LR of every optimizer step as the Trainer's scheduler gives it (warm-up + cosine, min-LR floor)
  decay.json        which parameters the Trainer decays (Trainer.get_decay_parameter_names) for both models

Regenerate:  .venv/bin/python python/make_golden.py   (or $PYTHON); the output is deterministic.
"""
import json
import math
import os
import sys
import tempfile

import torch
import transformers
from transformers import (GPT2Config, GPT2LMHeadModel, GPTNeoConfig, GPTNeoForCausalLM, Trainer, TrainingArguments,
                          get_scheduler)

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "core", "golden")
VOCAB, WIDTH, LAYERS, HEADS, POSITIONS = 48, 8, 2, 2, 12


def randomize(model, seed):
    """Large enough values that every term (gains, biases, attention) moves the outputs measurably."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "ln" in name and name.endswith("weight"):
                p.copy_(1 + 0.2 * torch.randn(p.shape, generator=g))
            elif name.endswith("bias"):
                p.copy_(0.2 * torch.randn(p.shape, generator=g))
            else:
                p.copy_(0.4 * torch.randn(p.shape, generator=g))


def models():
    common = dict(vocab_size=VOCAB, bos_token_id=VOCAB - 1, eos_token_id=VOCAB - 1, tie_word_embeddings=True)
    gpt2 = GPT2LMHeadModel(GPT2Config(n_positions=POSITIONS, n_embd=WIDTH, n_layer=LAYERS, n_head=HEADS,
                                      resid_pdrop=0, embd_pdrop=0, attn_pdrop=0, **common))
    neo = GPTNeoForCausalLM(GPTNeoConfig(max_position_embeddings=POSITIONS, hidden_size=WIDTH, num_layers=LAYERS,
                                         num_heads=HEADS, attention_types=[[["global", "local"], LAYERS // 2]],
                                         window_size=256, resid_dropout=0, embed_dropout=0, attention_dropout=0,
                                         **common))
    randomize(gpt2, 1)
    randomize(neo, 2)
    return {"gpt2": gpt2.eval(), "gpt_neo": neo.eval()}


# Fixed sequences of T + 1 tokens: the studio's inputs are the first T, its targets the last T.
T = 10
FULL = [[47, 3, 17, 8, 41, 0, 22, 5, 30, 12, 9], [47, 29, 1, 44, 7, 7, 36, 15, 2, 40, 47]]
# Which targets count (1) — a prompt/response mask as the studio builds it.
MASK = [[0, 0, 0, 1, 1, 1, 1, 1, 1, 1], [0, 0, 0, 0, 0, 1, 1, 1, 1, 1]]


def reference(model):
    full = torch.tensor(FULL)
    labels = full.clone()
    labels[:, 1:][torch.tensor(MASK) == 0] = -100
    labels[:, 0] = -100
    with torch.no_grad():
        logits = model(input_ids=full[:, :T]).logits  # [B, T, V]
        # transformers' own masked loss (shifts the labels itself), over the T + 1 tokens.
        hf_loss = model(input_ids=full, labels=labels).loss.item()
    ce = torch.nn.functional.cross_entropy(logits.reshape(-1, VOCAB).double(), full[:, 1:].reshape(-1), reduction="none")
    mask = torch.tensor(MASK, dtype=torch.float64).reshape(-1)
    own = (ce * mask).sum().item() / mask.sum().item()
    assert abs(own - hf_loss) < 1e-5, (own, hf_loss)
    return {"ids": [row[:T] for row in FULL], "targets": [row[1:] for row in FULL], "mask": MASK,
            "logits": [round(x, 7) for x in logits.reshape(-1).tolist()], "loss": hf_loss}


SCHEDULES = [  # (steps, warm-up ratio, min-LR rate, peak)
    (10, 0.2, 0.1, 1.0), (10, 0.3, 0.0, 2e-3), (7, 0.1, 0.0, 5e-6), (25, 0.0, 0.05, 1e-3), (1, 0.1, 0.0, 1.0),
    (3, 0.5, 0.2, 1.0), (40, 0.1, 0.0, 3e-4), (30, 0.1, 0.0, 1.0),  # 30 × 0.1 = 3.0000000000000004: ceil gives 4
]


def schedule(steps, warmup_ratio, min_lr_rate, peak):
    """The LR each optimizer step uses, exactly as Trainer.create_scheduler builds the scheduler and steps it."""
    with tempfile.TemporaryDirectory() as out:
        args = TrainingArguments(output_dir=out, learning_rate=peak, warmup_steps=warmup_ratio,
                                 lr_scheduler_type="cosine_with_min_lr", lr_scheduler_kwargs={"min_lr_rate": min_lr_rate},
                                 report_to=[])
        p = torch.nn.Parameter(torch.zeros(1))
        opt = torch.optim.AdamW([p], lr=peak)
        sched = get_scheduler(args.lr_scheduler_type, opt, num_warmup_steps=args.get_warmup_steps(steps),
                              num_training_steps=steps, scheduler_specific_kwargs=args.lr_scheduler_kwargs)
        lrs = []
        for _ in range(steps):
            lrs.append(opt.param_groups[0]["lr"])
            opt.step()
            sched.step()
        return {"steps": steps, "warmupRatio": warmup_ratio, "minLrRatio": min_lr_rate, "peakLr": peak,
                "warmupSteps": args.get_warmup_steps(steps), "lrs": lrs}


def main():
    torch.manual_seed(0)
    os.makedirs(OUT, exist_ok=True)
    refs, decay = {}, {}
    for name, model in models().items():
        model.save_pretrained(os.path.join(OUT, name), safe_serialization=True)
        refs[name] = reference(model)
        decay[name] = sorted(Trainer.get_decay_parameter_names(None, model))
        decay[name + ":all"] = sorted(n for n, _ in model.named_parameters())
    meta = {"transformers": transformers.__version__, "torch": torch.__version__.split("+")[0]}
    with open(os.path.join(OUT, "reference.json"), "w") as f:
        json.dump({**meta, **refs}, f, indent=1)
        f.write("\n")
    with open(os.path.join(OUT, "schedule.json"), "w") as f:
        json.dump({**meta, "cases": [schedule(*c) for c in SCHEDULES]}, f, indent=1)
        f.write("\n")
    with open(os.path.join(OUT, "decay.json"), "w") as f:
        json.dump({**meta, **decay}, f, indent=1)
        f.write("\n")
    print(f"wrote {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
