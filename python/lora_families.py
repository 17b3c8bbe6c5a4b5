"""LoRA on tiny random Llama, Qwen2 and Qwen3 models, as peft and torch train it (loraFamilies.interop.test.ts runs this):

    python python/lora_families.py make DIR FAMILY
    python python/lora_families.py train DIR FAMILY JOB_JSON
    python python/lora_families.py merged DIR
    python python/lora_families.py hf DIR OUT_DIR EOS_ID

make: a tiny random FAMILY model (llama, qwen2, qwen3) saved by transformers in DIR/base, and the same weights in the
studio's names and layout (projections [in, out], names of src/core/model/config.ts gptParamShapes) in
DIR/ours.safetensors with its GptConfig in DIR/ours.json. The norms' weights and the biases are random too, so
every term moves the logits.

train: loads DIR/init (the studio's initial adapters, exported by the studio as a peft folder) onto DIR/base with
PeftModel.from_pretrained(is_trainable=True) and trains it `steps` AdamW steps on one masked batch with the studio's
rule (decay on the adapters' matrices only, global-norm clip scaled by clip / max(norm, clip), then
torch.optim.AdamW). Then loads the studio's trained exports: DIR/trained (peft folder, onto a fresh base) and
DIR/merged (a plain transformers folder; made first by `merged` when DIR/merged.safetensors is there). Prints {"losses": [...], "torch_logits": [...], "peft_logits": [...],
"merged_logits": [...], "base_logits": [...]}: logits [B, T, V] row-major on `eval_ids`.
"""
import json
import os
import sys

import torch
from peft import PeftModel
from safetensors.torch import save_file
from transformers import AutoConfig, AutoModelForCausalLM

SHAPE = dict(vocab_size=48, hidden_size=32, intermediate_size=48, num_hidden_layers=2, num_attention_heads=4,
             num_key_value_heads=2, max_position_embeddings=64, rms_norm_eps=1e-6, rope_theta=10000.0)
FAMILIES = {
    "llama": dict(model_type="llama", tie_word_embeddings=True, attention_bias=False, mlp_bias=False),
    "qwen2": dict(model_type="qwen2", tie_word_embeddings=False),
    "qwen3": dict(model_type="qwen3", tie_word_embeddings=False, head_dim=16, attention_bias=False),
}


def tiny(family: str):
    spec = dict(FAMILIES[family])
    config = AutoConfig.for_model(spec.pop("model_type"), **SHAPE, **spec)
    torch.manual_seed(7)
    model = AutoModelForCausalLM.from_config(config, dtype=torch.float32).eval()
    g = torch.Generator().manual_seed(11)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("norm.weight"):
                p.copy_(1 + 0.2 * torch.randn(p.shape, generator=g))
            elif name.endswith(".bias"):
                p.copy_(0.2 * torch.randn(p.shape, generator=g))
            else:
                p.copy_(0.3 * torch.randn(p.shape, generator=g))
    return model


# transformers' module names → ours, under model.layers.N. / h.N.
BLOCK = {"input_layernorm": "ln_1", "post_attention_layernorm": "ln_2", "self_attn.q_norm": "attn.q_norm",
         "self_attn.k_norm": "attn.k_norm", **{f"self_attn.{p}": f"attn.{p}" for p in ("q_proj", "k_proj", "v_proj", "o_proj")},
         **{f"mlp.{p}": f"mlp.{p}" for p in ("gate_proj", "up_proj", "down_proj")}}


def ours_from_hf(state: dict) -> dict:
    out = {}
    for name, t in state.items():
        t = t.detach().float().contiguous()
        if name == "model.embed_tokens.weight":
            out["wte"] = t
        elif name == "model.norm.weight":
            out["ln_f.weight"] = t
        elif name == "lm_head.weight":
            out["lm_head.weight"] = t
        else:
            _, _, i, rest = name.split(".", 3)
            module, kind = rest.rsplit(".", 1)
            linear = module.endswith("_proj") and kind == "weight"
            out[f"h.{i}.{BLOCK[module]}.{kind}"] = t.t().contiguous() if linear else t
    return out


def hf_from_ours(ours: dict, tied: bool) -> dict:
    back = {v: k for k, v in BLOCK.items()}
    out = {}
    for name, t in ours.items():
        if name == "wte":
            out["model.embed_tokens.weight"] = t
            if tied:
                out["lm_head.weight"] = t
        elif name == "ln_f.weight":
            out["model.norm.weight"] = t
        elif name == "lm_head.weight":
            out[name] = t
        else:
            _, i, rest = name.split(".", 2)
            module, kind = rest.rsplit(".", 1)
            linear = module.endswith("_proj") and kind == "weight"
            out[f"model.layers.{i}.{back[module]}.{kind}"] = t.t().contiguous() if linear else t
    return out


def gpt_config(config) -> dict:
    family = config.model_type
    head_dim = getattr(config, "head_dim", None) or config.hidden_size // config.num_attention_heads
    out = dict(vocabSize=config.vocab_size, contextLength=config.max_position_embeddings,
               layers=config.num_hidden_layers, width=config.hidden_size, heads=config.num_attention_heads,
               mlpRatio=config.intermediate_size / config.hidden_size, mlpHidden=config.intermediate_size,
               layerNormEps=config.rms_norm_eps, attentionScale="sqrt",
               qkvBias=family == "qwen2" or bool(getattr(config, "attention_bias", False)), norm="rmsNorm",
               positions="rope", rope={"theta": config.rope_parameters["rope_theta"]}, mlp="swiglu",
               attention="grouped", kvHeads=config.num_key_value_heads, headDim=head_dim, qkNorm=family == "qwen3",
               attnOutBias=False, mlpBias=False, head="tied" if config.tie_word_embeddings else "untied")
    return out


def make(out_dir: str, family: str) -> None:
    model = tiny(family)
    model.save_pretrained(f"{out_dir}/base")
    ours = ours_from_hf(model.state_dict())
    if model.config.tie_word_embeddings:
        ours.pop("lm_head.weight", None)
    save_file(ours, f"{out_dir}/ours.safetensors", metadata={"format": "pt"})
    with open(f"{out_dir}/ours.json", "w") as f:
        json.dump(gpt_config(model.config), f)


def masked_loss(model, ids, targets, mask):
    logits = model(input_ids=ids).logits
    ce = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), reduction="none")
    return (ce * mask.reshape(-1)).sum() / mask.sum()


def logits_of(model, ids):
    with torch.no_grad():
        return model(input_ids=ids).logits.flatten().tolist()


def train(out_dir: str, family: str, job_json: str) -> None:
    job = json.loads(job_json)
    ids = torch.tensor(job["ids"])
    targets = torch.tensor(job["targets"])
    mask = torch.tensor(job["mask"], dtype=torch.float32)
    eval_ids = torch.tensor(job["eval_ids"])
    h = job["hyper"]
    load = lambda: AutoModelForCausalLM.from_pretrained(f"{out_dir}/base", dtype=torch.float32).eval()
    base_logits = logits_of(load(), eval_ids)

    model = PeftModel.from_pretrained(load(), f"{out_dir}/init", is_trainable=True)
    model.eval()  # no dropout anywhere (lora_dropout is 0 too)
    named = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    # The studio's decay rule: the adapters' matrices decay; biases and norms (modules_to_save copies) do not.
    decay = [p for n, p in named if ".lora_" in n]
    rest = [p for n, p in named if ".lora_" not in n]
    params = decay + rest
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": h["weightDecay"]}, {"params": rest, "weight_decay": 0.0}],
                            lr=job["lr"], betas=(h["beta1"], h["beta2"]), eps=h["eps"])
    losses = []
    for _ in range(job["steps"]):
        opt.zero_grad()
        loss = masked_loss(model, ids, targets, mask)
        loss.backward()
        losses.append(loss.item())
        norm = torch.sqrt(sum((p.grad.double() ** 2).sum() for p in params)).item()
        if h["clipNorm"] > 0 and norm > h["clipNorm"]:
            for p in params:
                p.grad.mul_(h["clipNorm"] / norm)
        opt.step()
    torch_logits = logits_of(model, eval_ids)

    peft_logits = logits_of(PeftModel.from_pretrained(load(), f"{out_dir}/trained").eval(), eval_ids)
    if os.path.exists(f"{out_dir}/merged.safetensors"):
        merged_folder(out_dir)
    merged_logits = logits_of(AutoModelForCausalLM.from_pretrained(f"{out_dir}/merged", dtype=torch.float32).eval(),
                              eval_ids)
    print(json.dumps({"losses": losses, "torch_logits": torch_logits, "peft_logits": peft_logits,
                      "merged_logits": merged_logits, "base_logits": base_logits}))


def merged_folder(out_dir: str) -> None:
    """DIR/merged from DIR/merged.safetensors (the studio's merged weights, our names) and DIR/base's config: the
    studio's merged export until its Hugging Face export writes the Llama family itself."""
    from safetensors.torch import load_file
    config = AutoConfig.from_pretrained(f"{out_dir}/base")
    model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    state = hf_from_ours(load_file(f"{out_dir}/merged.safetensors"), config.tie_word_embeddings)
    missing, unexpected = model.load_state_dict(state, strict=False)
    missing = [m for m in missing if not (config.tie_word_embeddings and m == "lm_head.weight")]
    if missing or unexpected:
        raise SystemExit(f"merged weights do not fit {config.model_type}: missing {missing}, unexpected {unexpected}")
    model.save_pretrained(f"{out_dir}/merged")


def hf_folder(out_dir: str, folder: str, eos_id: str) -> None:
    """A Llama folder (OUT_DIR) from one of the studio's models, DIR/ours.json + DIR/ours.safetensors: the base model
    the TRL recipe's Llama check trains, until the studio's Hugging Face export writes the Llama family itself."""
    from safetensors.torch import load_file
    from transformers import LlamaConfig
    with open(f"{out_dir}/ours.json") as f:
        c = json.load(f)
    if c.get("qkvBias") or c.get("qkNorm") or c.get("head") == "untied":
        raise SystemExit("hf: only a Llama (no q/k/v bias, no q/k norms, tied head) is written here")
    eos = int(eos_id)
    config = LlamaConfig(vocab_size=c["vocabSize"], hidden_size=c["width"], intermediate_size=c["mlpHidden"],
                         num_hidden_layers=c["layers"], num_attention_heads=c["heads"],
                         num_key_value_heads=c["kvHeads"], head_dim=c["headDim"],
                         max_position_embeddings=c["contextLength"], rms_norm_eps=c["layerNormEps"],
                         rope_parameters={"rope_type": "default", "rope_theta": c["rope"]["theta"]},
                         tie_word_embeddings=True, attention_bias=False,
                         mlp_bias=False, bos_token_id=eos, eos_token_id=eos)
    model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    state = hf_from_ours(load_file(f"{out_dir}/ours.safetensors"), True)
    missing, unexpected = model.load_state_dict(state, strict=False)
    if [m for m in missing if m != "lm_head.weight"] or unexpected:
        raise SystemExit(f"hf: the weights do not fit: missing {missing}, unexpected {unexpected}")
    model.save_pretrained(folder)


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    {"make": make, "train": train, "merged": merged_folder, "hf": hf_folder}[command](*args)
