"""transformers' apply_chat_template on given conversations: the reference for src/core/text/chatTemplate.ts.

  python python/chat_template_reference.py <cases.json>

cases.json: [{"tokenizer": <folder with tokenizer.json + tokenizer_config.json>, "template": <jinja string, or null
for the tokenizer's own>, "conversations": [{"messages": [...], "tools": [...] (optional)}]}]

Prints, per case and conversation: the rendered text (tokenize=False), the ids (tokenize=True), the assistant mask and
how it was found, and each assistant turn's generation prompt (the conversation before it, add_generation_prompt).
The mask: return_assistant_tokens_mask where the template has {% generation %} marks; else the studio's documented
rule, computed here from transformers' renders and its offsets (see chatTemplate.ts): a turn's text starts where the
render of the conversation up to it with add_generation_prompt ends, and ends after the first end-of-turn token, the
first special token the template writes after an assistant's content.
"""
import json
import re
import sys

from transformers import AutoTokenizer

PROBE = "Zq7Probe"


def special_tokens(tok):
    specials = {t.content for t in tok.added_tokens_decoder.values() if t.special}
    for name in ("bos_token", "eos_token", "pad_token", "unk_token"):
        value = getattr(tok, name, None)
        if value:
            specials.add(str(value))
    return specials


def end_of_turn(tok, template):
    probe = [{"role": "user", "content": "Zq7Question"}, {"role": "assistant", "content": PROBE}]
    text = tok.apply_chat_template(probe, tokenize=False, chat_template=template)
    after = text.index(PROBE) + len(PROBE)
    found = [(text.find(s, after), -len(s), s) for s in special_tokens(tok) if text.find(s, after) >= 0]
    return min(found)[2]


def rule_mask(tok, template, messages, tools, text):
    eot = end_of_turn(tok, template)
    enc = tok(text, add_special_tokens=False, return_offsets_mapping=True)
    mask = [0] * len(enc["input_ids"])
    for i, m in enumerate(messages):
        if m["role"] != "assistant":
            continue
        before = tok.apply_chat_template(
            messages[:i], tools=tools, tokenize=False, add_generation_prompt=True, chat_template=template
        )
        assert text.startswith(before), f"turn {i}: no prefix property"
        start = len(before)
        end = text.index(eot, start) + len(eot)
        first, last = enc.char_to_token(start), enc.char_to_token(end - 1)
        for t in range(first, last + 1):
            mask[t] = 1
    return enc["input_ids"], mask


def main():
    cases = json.load(open(sys.argv[1], encoding="utf-8"))
    out = []
    for case in cases:
        tok = AutoTokenizer.from_pretrained(case["tokenizer"])
        template = case["template"]
        source = template if template is not None else tok.chat_template
        marked = re.search(r"{%-?\s*generation\s*-?%}", source) is not None
        results = []
        for conv in case["conversations"]:
            messages, tools = conv["messages"], conv.get("tools")
            kw = dict(tools=tools, chat_template=template)
            text = tok.apply_chat_template(messages, tokenize=False, **kw)
            enc = tok.apply_chat_template(
                messages, tokenize=True, return_dict=True, return_assistant_tokens_mask=marked, **kw
            )
            ids = list(enc["input_ids"])
            if marked:
                mask = list(enc["assistant_masks"])
            else:
                rule_ids, mask = rule_mask(tok, template, messages, tools, text)
                assert rule_ids == ids, "tokenizer(text) differs from apply_chat_template(tokenize=True)"
            prompts = [
                tok.apply_chat_template(messages[:i], add_generation_prompt=True, tokenize=False, **kw)
                for i, m in enumerate(messages)
                if m["role"] == "assistant"
            ]
            results.append({"text": text, "ids": ids, "mask": mask, "prompts": prompts})
        out.append({"marked": marked, "results": results})
    json.dump(out, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
