"""Tokenizes strings with Python `tokenizers` and transformers, the reference for tokenizer/hfTokenizer.ts.

  python python/tokenize_reference.py <folder with tokenizer.json (+ tokenizer_config.json)> <strings.json> <out.json>

strings.json holds a JSON array of strings. out.json gets, per string, in order:
  plain       AutoTokenizer(text, add_special_tokens=False, split_special_tokens=True): special tokens in the text
              stay text. (Python `tokenizers` with encode_special_tokens = True is the same rule, except that it
              knows only tokenizer.json's special flags, not the roles transformers adds, e.g. Gemma's <mask>.)
  raw         Tokenizer.from_file encode(text, add_special_tokens=False)
  specials    AutoTokenizer(text, add_special_tokens=False)
  with_added  AutoTokenizer(text) (add_special_tokens=True)
  decode_skip / decode_show   AutoTokenizer.decode(with_added, skip_special_tokens=True / False)
"""
import json
import os
import sys

from tokenizers import Tokenizer
from transformers import AutoTokenizer


def main():
    folder, strings_file, out_file = sys.argv[1:4]
    with open(strings_file, encoding="utf-8") as f:
        texts = json.load(f)
    raw = Tokenizer.from_file(os.path.join(folder, "tokenizer.json"))
    auto = AutoTokenizer.from_pretrained(folder)
    rows = []
    for text in texts:
        with_added = auto(text)["input_ids"]
        rows.append(
            {
                "plain": auto(text, add_special_tokens=False, split_special_tokens=True)["input_ids"],
                "raw": raw.encode(text, add_special_tokens=False).ids,
                "specials": auto(text, add_special_tokens=False)["input_ids"],
                "with_added": with_added,
                "decode_skip": auto.decode(with_added, skip_special_tokens=True),
                "decode_show": auto.decode(with_added, skip_special_tokens=False),
            }
        )
    with open(out_file, "w", encoding="utf-8") as f:
        json.dump({"tokenizer_class": type(auto).__name__, "rows": rows}, f, ensure_ascii=False)


if __name__ == "__main__":
    main()
