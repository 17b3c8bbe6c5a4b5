"""Writes tiny random Llama / Qwen2 / Qwen3 checkpoints and transformers' reference outputs on them, for
src/core/hf/families.interop.test.ts.

  python python/tiny_families.py <out folder>

For each variant, <out>/<variant>/ holds the saved model (config.json + model.safetensors, float32 or bfloat16)
and reference.json: the ids, the full forward's logits, the logits of cached decoding (a prefill of PREFILL
columns, then one column per step with past_key_values), the masked loss and its gradient by checkpoint tensor
name, and the names Trainer.get_decay_parameter_names decays. The weights are seeded and larger than the init, so
that every term moves the logits; a bfloat16 variant's references are computed from the saved (rounded) weights.
"""
import json
import os
import sys

import torch
from transformers import AutoModelForCausalLM, LlamaConfig, Qwen2Config, Qwen3Config, Trainer

IDS = [[3, 17, 8, 41, 0, 22, 5, 30], [29, 1, 44, 7, 7, 36, 15, 2]]
TARGETS = [[17, 8, 41, 0, 22, 5, 30, 9], [1, 44, 7, 7, 36, 15, 2, 11]]
MASK = [[0, 0, 1, 1, 1, 1, 1, 1], [0, 1, 1, 1, 1, 1, 0, 0]]
PREFILL = 3

COMMON = dict(vocab_size=48, hidden_size=16, intermediate_size=24, num_hidden_layers=2, num_attention_heads=4,
              num_key_value_heads=2, max_position_embeddings=32, rms_norm_eps=1e-6)
LLAMA3_ROPE = {"rope_type": "llama3", "rope_theta": 500000.0, "factor": 8.0, "low_freq_factor": 1.0,
               "high_freq_factor": 4.0, "original_max_position_embeddings": 8}

VARIANTS = {
    "llama": (LlamaConfig, dict(COMMON, tie_word_embeddings=False), "float32"),
    "llama_llama3_tied": (LlamaConfig, dict(COMMON, tie_word_embeddings=True, rope_parameters=LLAMA3_ROPE), "float32"),
    "llama_bias": (LlamaConfig, dict(COMMON, attention_bias=True, mlp_bias=True, rope_theta=1000.0), "float32"),
    "qwen2": (Qwen2Config, dict(COMMON, tie_word_embeddings=False), "float32"),
    "qwen3": (Qwen3Config, dict(COMMON, head_dim=6, tie_word_embeddings=False), "float32"),
    "qwen3_bf16": (Qwen3Config, dict(COMMON, head_dim=6, tie_word_embeddings=True), "bfloat16"),
}


def randomize(model, seed):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            r = torch.randn(p.shape, generator=g)
            if name.endswith("norm.weight") or "layernorm" in name:
                p.copy_(1 + 0.2 * r)
            elif name.endswith(".bias"):
                p.copy_(0.2 * r)
            elif "embed_tokens" in name:
                p.copy_(0.7 * r)
            else:
                p.copy_(0.4 * r)


def references(model):
    ids, targets = torch.tensor(IDS), torch.tensor(TARGETS)
    mask = torch.tensor(MASK, dtype=torch.float32)
    model.zero_grad()
    logits = model(input_ids=ids).logits
    ce = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), reduction="none")
    loss = (ce * mask.reshape(-1)).sum() / mask.sum()
    loss.backward()
    grads = {n: p.grad.reshape(-1).tolist() for n, p in model.named_parameters() if p.grad is not None}
    with torch.no_grad():
        out = model(input_ids=ids[:, :PREFILL], use_cache=True)
        steps, past = [out.logits], out.past_key_values
        for t in range(PREFILL, ids.shape[1]):
            out = model(input_ids=ids[:, t : t + 1], past_key_values=past, use_cache=True)
            steps.append(out.logits)
            past = out.past_key_values
        cached = torch.cat(steps, 1)
    return {
        "ids": IDS,
        "targets": TARGETS,
        "mask": MASK,
        "prefill": PREFILL,
        "logits": logits.detach().reshape(-1).tolist(),
        "cached_logits": cached.reshape(-1).tolist(),
        "loss": loss.item(),
        "grads": grads,
        "decay": sorted(Trainer.get_decay_parameter_names(None, model)),
        "parameters": sorted(n for n, _ in model.named_parameters()),
    }


def main():
    out_root = sys.argv[1]
    torch.manual_seed(0)
    for i, (name, (config_class, kwargs, dtype)) in enumerate(VARIANTS.items()):
        folder = os.path.join(out_root, name)
        config = config_class(**kwargs)
        model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
        randomize(model, 100 + i)
        model.to(getattr(torch, dtype)).save_pretrained(folder)
        # The references come from the saved weights, read back as float32 (a bfloat16 save rounded them).
        saved = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32).eval()
        with open(os.path.join(folder, "reference.json"), "w") as f:
            json.dump(references(saved), f)
    print(json.dumps(sorted(VARIANTS)))


if __name__ == "__main__":
    main()
