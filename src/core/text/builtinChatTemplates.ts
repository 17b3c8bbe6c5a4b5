/**
 * Chat templates for base models that ship none (SmolLM2-135M base): a short list the user picks from, exported with
 * the model. Each renders what the named model family's own template renders for the same messages (checked against
 * transformers in chatTemplate.interop.test.ts), and marks the assistant's part with `{% generation %}` so
 * transformers' `return_assistant_tokens_mask` and TRL's `assistant_only_loss` read the same trained span the studio
 * does: the answer and the token that closes it, not the newline after.
 */

export type BuiltinChatTemplateName = 'chatml' | 'llama3' | 'paper';

export interface BuiltinChatTemplate {
  name: BuiltinChatTemplateName;
  label: string;
  /** The special tokens the template writes; the model's tokenizer must have them as tokens. */
  needsTokens: readonly string[];
  source: string;
}

// ChatML as Qwen2.5 / Qwen3 / SmolLM2-Instruct write it (no default system prompt, no thinking block): a system turn
// or the tools header first, then `<|im_start|>role\n…<|im_end|>\n` per turn; tool results are grouped into one user
// turn of `<tool_response>` blocks; tool calls follow the answer as `<tool_call>` JSON.
const CHATML = `{%- if tools %}
    {{- '<|im_start|>system\\n' }}
    {%- if messages[0].role == 'system' %}{{- messages[0].content + '\\n\\n' }}{%- endif %}
    {{- '# Tools\\n\\nYou may call one or more functions to assist with the user query.\\n\\n' }}
    {{- 'You are provided with function signatures within <tools></tools> XML tags:\\n<tools>' }}
    {%- for tool in tools %}{{- '\\n' + (tool | tojson) }}{%- endfor %}
    {{- '\\n</tools>\\n\\nFor each function call, return a json object with function name and arguments within ' }}
    {{- '<tool_call></tool_call> XML tags:\\n<tool_call>\\n{"name": <function-name>, "arguments": <args-json-object>}' }}
    {{- '\\n</tool_call><|im_end|>\\n' }}
{%- elif messages[0].role == 'system' %}
    {{- '<|im_start|>system\\n' + messages[0].content + '<|im_end|>\\n' }}
{%- endif %}
{%- for m in messages %}
    {%- if m.role == 'user' or (m.role == 'system' and not loop.first) %}
        {{- '<|im_start|>' + m.role + '\\n' + m.content + '<|im_end|>\\n' }}
    {%- elif m.role == 'assistant' %}
        {{- '<|im_start|>assistant\\n' }}
        {%- generation %}
        {{- m.content }}
        {%- if m.tool_calls %}
            {%- for call in m.tool_calls %}
                {%- if call.function %}{%- set call = call.function %}{%- endif %}
                {%- if not loop.first or m.content %}{{- '\\n' }}{%- endif %}
                {{- '<tool_call>\\n{"name": "' + call.name + '", "arguments": ' }}
                {%- if call.arguments is string %}{{- call.arguments }}{%- else %}{{- call.arguments | tojson }}{%- endif %}
                {{- '}\\n</tool_call>' }}
            {%- endfor %}
        {%- endif %}
        {{- '<|im_end|>' }}
        {%- endgeneration %}
        {{- '\\n' }}
    {%- elif m.role == 'tool' %}
        {%- if loop.first or messages[loop.index0 - 1].role != 'tool' %}{{- '<|im_start|>user' }}{%- endif %}
        {{- '\\n<tool_response>\\n' + m.content + '\\n</tool_response>' }}
        {%- if loop.last or messages[loop.index0 + 1].role != 'tool' %}{{- '<|im_end|>\\n' }}{%- endif %}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}`;

// Llama 3 (Instruct) headers: `<|begin_of_text|>` once, then `<|start_header_id|>role<|end_header_id|>\n\n` + the
// trimmed content + `<|eot_id|>` per turn. Meta's first Llama 3 template wrote the assistant header even without
// add_generation_prompt; this one writes it only when asked, as the later releases do.
const LLAMA3 = `{%- for m in messages %}
    {%- if loop.first %}{{- bos_token }}{%- endif %}
    {{- '<|start_header_id|>' + m.role + '<|end_header_id|>\\n\\n' }}
    {%- if m.role == 'assistant' %}
        {%- generation %}{{- (m.content | trim) + '<|eot_id|>' }}{%- endgeneration %}
    {%- else %}
        {{- (m.content | trim) + '<|eot_id|>' }}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}{{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{%- endif %}`;

// The studio's own (template.ts 'paper'): `<bos>User: u<eos>\nAssistant: a<eos>`, later exchanges after a newline.
// The user turn already ends in "Assistant: ", so the generation prompt adds nothing.
const PAPER = `{{- bos_token }}
{%- for m in messages %}
    {%- if m.role == 'user' %}
        {%- if not loop.first %}{{- '\\n' }}{%- endif %}
        {{- 'User: ' + m.content + eos_token + '\\nAssistant: ' }}
    {%- elif m.role == 'assistant' %}
        {%- generation %}{{- m.content + eos_token }}{%- endgeneration %}
    {%- else %}
        {{- raise_exception('the paper template has only user and assistant turns, not ' + m.role) }}
    {%- endif %}
{%- endfor %}`;

export const BUILTIN_CHAT_TEMPLATES: readonly BuiltinChatTemplate[] = [
  {
    name: 'chatml',
    label: 'ChatML (Qwen, SmolLM2-Instruct)',
    needsTokens: ['<|im_start|>', '<|im_end|>'],
    source: CHATML,
  },
  {
    name: 'llama3',
    label: 'Llama 3',
    needsTokens: ['<|start_header_id|>', '<|end_header_id|>', '<|eot_id|>'],
    source: LLAMA3,
  },
  { name: 'paper', label: "The studio's own (User: / Assistant:)", needsTokens: [], source: PAPER },
];

export function builtinChatTemplate(name: BuiltinChatTemplateName): BuiltinChatTemplate {
  const t = BUILTIN_CHAT_TEMPLATES.find((x) => x.name === name);
  if (!t)
    throw new Error(
      `Unknown built-in chat template "${name}"; use one of: ${BUILTIN_CHAT_TEMPLATES.map((x) => x.name).join(', ')}`,
    );
  return t;
}
