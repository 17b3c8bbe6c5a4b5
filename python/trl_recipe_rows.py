#!/usr/bin/env python3
"""The rows train_phased.py would train on, for a test: its own tokenization and masks (studio_tokens), run on TRL rows.

  python python/trl_recipe_rows.py <recipe.json> <model folder> <rows.jsonl>

prints one JSON object per row: {"id", "input_ids", "completion_mask"}, the template set as the recipe sets it.
"""
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "trl_recipe"))

from transformers import AutoTokenizer  # noqa: E402

import train_phased  # noqa: E402


def main() -> None:
    recipe_path, model_dir, rows_path = sys.argv[1:4]
    recipe = json.loads(Path(recipe_path).read_text(encoding="utf-8"))
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    chat = train_phased.set_chat_template(tokenizer, recipe, model_dir)
    for row in train_phased.tokenized_rows(tokenizer, train_phased.read_jsonl(Path(rows_path)), chat):
        print(json.dumps({"id": row["id"], "input_ids": row["input_ids"], "completion_mask": row["completion_mask"]}))


if __name__ == "__main__":
    main()
