"""The studio's training step in PyTorch eager, to set the wasm step beside (docs/BENCHMARKS.md, "wasm in the browser").

Same shape and arithmetic as src/core/bench/stepBench.ts: a GPT-2-style char model (pre-LayerNorm blocks, causal
self-attention, GELU (tanh) MLP of 4x width, tied head, LayerNorm eps 1e-5), masked mean cross-entropy, global-norm
clipping, then AdamW with decoupled decay on the linear weights only (as core/model/params.ts decayMask). Attention is
written out (scores, mask, softmax, product) as the studio's is; `--sdpa` uses torch's fused
scaled_dot_product_attention instead.

    /work/venv/bin/python cli/bench/torch_step.py --threads 1 [--layers 4 --width 128 --heads 4 --context 128 --batch 16]

Prints one JSON line: ms/step of each timed step, the median, tokens/s, the threads torch ran on.
"""

import argparse
import json
import math
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, width: int, heads: int):
        super().__init__()
        self.heads = heads
        self.ln_1 = nn.LayerNorm(width, eps=1e-5)
        self.c_attn = nn.Linear(width, 3 * width)
        self.attn_proj = nn.Linear(width, width)
        self.ln_2 = nn.LayerNorm(width, eps=1e-5)
        self.c_fc = nn.Linear(width, 4 * width)
        self.mlp_proj = nn.Linear(4 * width, width)

    def attention(self, x: torch.Tensor, sdpa: bool) -> torch.Tensor:
        B, T, C = x.shape
        q, k, v = self.c_attn(x).split(C, dim=2)
        q, k, v = (t.view(B, T, self.heads, C // self.heads).transpose(1, 2) for t in (q, k, v))
        if sdpa:
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        else:
            scores = (q @ k.transpose(-2, -1)) / math.sqrt(C // self.heads)
            causal = torch.ones(T, T, dtype=torch.bool).tril()
            y = scores.masked_fill(~causal, float("-inf")).softmax(dim=-1) @ v
        return self.attn_proj(y.transpose(1, 2).reshape(B, T, C))

    def forward(self, x: torch.Tensor, sdpa: bool) -> torch.Tensor:
        x = x + self.attention(self.ln_1(x), sdpa)
        return x + self.mlp_proj(F.gelu(self.c_fc(self.ln_2(x)), approximate="tanh"))


class Gpt(nn.Module):
    def __init__(self, vocab: int, context: int, layers: int, width: int, heads: int):
        super().__init__()
        self.wte = nn.Embedding(vocab, width)
        self.wpe = nn.Embedding(context, width)
        self.blocks = nn.ModuleList(Block(width, heads) for _ in range(layers))
        self.ln_f = nn.LayerNorm(width, eps=1e-5)
        for name, p in self.named_parameters():
            if name.endswith("bias"):
                nn.init.zeros_(p)
            elif p.dim() >= 2:
                nn.init.normal_(p, std=0.02)

    def forward(self, ids: torch.Tensor, sdpa: bool) -> torch.Tensor:
        T = ids.shape[1]
        x = self.wte(ids) + self.wpe(torch.arange(T))
        for block in self.blocks:
            x = block(x, sdpa)
        return self.ln_f(x) @ self.wte.weight.T  # the tied head


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--width", type=int, default=128)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--context", type=int, default=128)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--vocab", type=int, default=64)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--sdpa", action="store_true")
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    model = Gpt(a.vocab, a.context, a.layers, a.width, a.heads)
    # Decoupled decay on the linear layers' weights only (the studio's decayMask); the hyper-parameters of AGREEMENT_HYPER.
    decayed = [p for n, p in model.named_parameters() if n.endswith("weight") and p.dim() == 2 and not n.startswith(("wte", "wpe"))]
    rest = [p for n, p in model.named_parameters() if not (n.endswith("weight") and p.dim() == 2 and not n.startswith(("wte", "wpe")))]
    opt = torch.optim.AdamW([{"params": decayed, "weight_decay": 0.1}, {"params": rest, "weight_decay": 0.0}], lr=1e-3, betas=(0.9, 0.95), eps=1e-8)

    g = torch.Generator().manual_seed(1)
    ids = torch.randint(0, a.vocab, (a.batch, a.context), generator=g)
    targets = torch.randint(0, a.vocab, (a.batch, a.context), generator=g)
    mask = (torch.rand(a.batch, a.context, generator=g) < 0.75).float()

    def step() -> float:
        logits = model(ids, a.sdpa)
        per_token = F.cross_entropy(logits.view(-1, a.vocab), targets.view(-1), reduction="none")
        loss = (per_token * mask.view(-1)).sum() / mask.sum()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        return loss.item()

    for _ in range(a.warmup):
        step()
    times = []
    for _ in range(a.steps):
        t0 = time.perf_counter()
        loss = step()
        times.append((time.perf_counter() - t0) * 1000)
    ms = statistics.median(times)
    print(json.dumps({
        "torch": torch.__version__, "threads": torch.get_num_threads(), "attention": "sdpa" if a.sdpa else "written out",
        "shape": {"layers": a.layers, "width": a.width, "heads": a.heads, "context": a.context, "batch": a.batch, "vocab": a.vocab},
        "msPerStep": round(ms, 1), "runMsPerStep": [round(t, 1) for t in times], "tokensPerSec": round(a.batch * a.context * 1000 / ms), "lastLoss": round(loss, 4),
    }))


if __name__ == "__main__":
    main()
