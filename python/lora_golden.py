"""Golden files for the studio's LoRA: a tiny random GPT-2, a peft LoRA adapter on it with non-zero B, and the
logits of base + adapter on fixed ids. Deterministic (torch seed); rerun to regenerate:

    python python/lora_golden.py src/core/model/testing/golden/lora-gpt2

Writes config.json + model.safetensors (the base), adapter_config.json + adapter_model.safetensors (peft's own
files) and logits.json ({ids, logits (row-major [B, T, V]), base_logits}).
"""
import json
import os
import sys

import torch
from peft import LoraConfig, get_peft_model
from transformers import GPT2Config, GPT2LMHeadModel

IDS = [[1, 5, 9, 2, 30, 7, 7, 0], [3, 3, 12, 25, 31, 4, 18, 6]]


def main(out: str) -> None:
    torch.manual_seed(13)
    config = GPT2Config(vocab_size=32, n_positions=8, n_embd=8, n_layer=2, n_head=2, bos_token_id=0, eos_token_id=0,
                        attn_pdrop=0.0, embd_pdrop=0.0, resid_pdrop=0.0)
    base = GPT2LMHeadModel(config).eval()
    with torch.no_grad():
        for name, p in base.named_parameters():
            if name.endswith(".bias"):
                p.copy_(torch.randn_like(p) * 0.05)
            elif ".ln_" in name:
                p.copy_(1 + torch.randn_like(p) * 0.1)
            else:
                p.copy_(torch.randn_like(p) * 0.3)
    os.makedirs(out, exist_ok=True)
    base.save_pretrained(out)
    ids = torch.tensor(IDS)
    with torch.no_grad():
        base_logits = base(ids).logits
    lora = LoraConfig(r=2, lora_alpha=6, target_modules=["c_attn", "c_proj", "c_fc"], lora_dropout=0.0,
                      fan_in_fan_out=True, bias="none", task_type="CAUSAL_LM")
    model = get_peft_model(base, lora).eval()
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "lora_B" in name:
                p.copy_(torch.randn_like(p) * 0.5)
        logits = model(ids).logits
    model.save_pretrained(out)
    for extra in ("README.md", "generation_config.json"):
        if os.path.exists(os.path.join(out, extra)):
            os.remove(os.path.join(out, extra))
    with open(os.path.join(out, "logits.json"), "w") as f:
        json.dump({"ids": IDS, "logits": [round(v, 7) for v in logits.flatten().tolist()],
                   "base_logits": [round(v, 7) for v in base_logits.flatten().tolist()]}, f)
        f.write("\n")


if __name__ == "__main__":
    main(sys.argv[1])
