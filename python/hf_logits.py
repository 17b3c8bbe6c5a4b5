"""Loads an exported model folder in transformers and prints its logits on given ids, as JSON.

  python python/hf_logits.py <model folder> '<ids as JSON: [[...], ...]>'

Fails (exit 1) if transformers reports a missing, unexpected or mismatched weight: the folder must load exactly.
"""
import json
import sys

import torch
from transformers import AutoModelForCausalLM


def main():
    folder, ids = sys.argv[1], json.loads(sys.argv[2])
    model, info = AutoModelForCausalLM.from_pretrained(folder, output_loading_info=True, dtype=torch.float32)
    problems = {k: v for k, v in info.items() if v and k in ("missing_keys", "unexpected_keys", "mismatched_keys")}
    if problems:
        sys.exit(f"{folder} does not load exactly: {problems}")
    with torch.no_grad():
        logits = model.eval()(input_ids=torch.tensor(ids)).logits
    json.dump({"architecture": model.config.model_type, "logits": logits.reshape(-1).tolist()}, sys.stdout)


if __name__ == "__main__":
    main()
