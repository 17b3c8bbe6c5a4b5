"""Logits of the studio's LoRA exports, as transformers and peft compute them (lora.interop.test.ts runs this):

    python python/lora_logits.py BASE_DIR MERGED_DIR ADAPTER_DIR IDS_JSON

BASE_DIR: the Hugging Face model the run started from; MERGED_DIR: the studio's merged export (a plain model folder);
ADAPTER_DIR: its peft adapter folder, loaded onto BASE_DIR with PeftModel.from_pretrained. Prints
{"base": [...], "merged": [...], "peft": [...]}: logits [B, T, V] row-major for the ids (a JSON list of rows).
"""
import json
import sys

import torch
from peft import PeftModel
from transformers import AutoModelForCausalLM


def main(base_dir: str, merged_dir: str, adapter_dir: str, ids_json: str) -> None:
    ids = torch.tensor(json.loads(ids_json))
    with torch.no_grad():
        merged = AutoModelForCausalLM.from_pretrained(merged_dir, dtype=torch.float32).eval()
        merged_logits = merged(ids).logits
        base = AutoModelForCausalLM.from_pretrained(base_dir, dtype=torch.float32).eval()
        base_logits = base(ids).logits
        adapted = PeftModel.from_pretrained(base, adapter_dir).eval()
        peft_logits = adapted(ids).logits
    print(json.dumps({"base": base_logits.flatten().tolist(), "merged": merged_logits.flatten().tolist(),
                      "peft": peft_logits.flatten().tolist()}))


if __name__ == "__main__":
    main(*sys.argv[1:5])
