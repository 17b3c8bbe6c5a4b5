/**
 * Seeded conversations for checking chat templates against transformers: single and multi-turn, with and without a
 * system prompt, tool calls and tool results where the template takes them, unicode, code, whitespace runs, empty
 * inputs. The same seed gives the same conversations, so the Python reference reads exactly what the test renders.
 */
import { createRng, type Rng } from '../../util/random';
import { recordConversation, type Conversation, type ChatMessage, type ToolSpec } from '../chatTemplate';

export interface TemplateAbilities {
  system: boolean;
  tools: boolean;
  /** Qwen3: assistant content with a `<think>` block, which its template splits out. */
  thinking?: boolean;
}

const WORDS = [
  'What is the capital of France?',
  'Paris.',
  'Explain recursion in one sentence.',
  'A function that calls itself.',
  'Translate "good morning" into Japanese: おはようございます',
  '¿Dónde está la biblioteca? — مرحبا بالعالم',
  'Emoji test 🤖🎉👩‍👩‍👧 done',
  'def add(a, b):\n    return a + b\n',
  'for (let i = 0; i < n; i++) { sum += x[i]; }',
  'Braces {{ not jinja }} and {% raw %} stay text',
  'Trailing spaces   ',
  '   leading spaces and\ttabs',
  'line one\n\nline three\n',
  'Numbers 1234567890 and 3.14159',
  'Ünïcödé naïve café — Ωμέγα — Привет',
  'Summarise: The quick brown fox jumps over the lazy dog.',
  'Short.',
  'x',
];

const SYSTEMS = ['You are a helpful assistant.', 'Answer briefly. Réponds en français si possible.', 'You are a 🤖.'];

const TOOLS: ToolSpec[] = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'Weather for a city',
      parameters: {
        type: 'object',
        properties: { city: { type: 'string', description: 'City name, e.g. Zürich' } },
        required: ['city'],
      },
    },
  },
  {
    type: 'function',
    function: {
      name: 'add',
      description: 'Adds two numbers',
      parameters: {
        type: 'object',
        properties: { a: { type: 'number' }, b: { type: 'number' } },
        required: ['a', 'b'],
      },
    },
  },
];

function text(rng: Rng, n = rng.intBetween(1, 3)): string {
  return Array.from({ length: n }, () => rng.pick(WORDS)).join(rng.pick([' ', '\n', '. ']));
}

function answer(rng: Rng, abilities: TemplateAbilities): string {
  const a = text(rng);
  if (abilities.thinking && rng.chance(0.3)) return `<think>\nLet me think: ${text(rng, 1)}\n</think>\n\n${a}`;
  return a;
}

/** A tool-using exchange: the assistant calls a tool (or two), the tool answers, the assistant replies. */
function toolExchange(rng: Rng): ChatMessage[] {
  const calls = rng.chance(0.3) ? 2 : 1;
  const callMessages: ChatMessage = {
    role: 'assistant',
    content: rng.chance(0.5) ? '' : 'Let me check.',
    tool_calls: Array.from({ length: calls }, (_, k) =>
      k === 0
        ? {
            type: 'function',
            function: { name: 'get_weather', arguments: { city: rng.pick(['Paris', 'Zürich', '東京']) } },
          }
        : { type: 'function', function: { name: 'add', arguments: { a: rng.int(100), b: rng.int(100) } } },
    ),
  };
  const results: ChatMessage[] = Array.from({ length: calls }, (_, k) => ({
    role: 'tool',
    content: k === 0 ? JSON.stringify({ temperature: rng.int(35), unit: '°C' }) : String(rng.int(200)),
  }));
  return [callMessages, ...results, { role: 'assistant', content: text(rng, 1) }];
}

/** `count` conversations for a template with these abilities, every one ending in an assistant turn. */
export function chatConversations(seed: string, count: number, abilities: TemplateAbilities): Conversation[] {
  const rng = createRng(seed);
  const out: Conversation[] = [];
  for (let n = 0; n < count; n++) {
    const kind = n % 5;
    if (kind === 0 || kind === 1) {
      // From a record, as the studio builds them: instruction + input (sometimes empty), earlier exchanges.
      const turns = kind === 0 ? 0 : rng.intBetween(1, 3);
      const c = recordConversation({
        instruction: text(rng),
        input: rng.chance(0.5) ? text(rng, 1) : '',
        output: answer(rng, abilities),
        history: Array.from({ length: turns }, () => ({ user: text(rng), assistant: answer(rng, abilities) })),
        ...(abilities.system && rng.chance(0.5) ? { system: rng.pick(SYSTEMS) } : {}),
      });
      out.push(c);
      continue;
    }
    const messages: ChatMessage[] = [];
    if (abilities.system && rng.chance(0.5)) messages.push({ role: 'system', content: rng.pick(SYSTEMS) });
    const useTools = abilities.tools && kind === 4;
    const turns = rng.intBetween(1, 4);
    for (let k = 0; k < turns; k++) {
      messages.push({ role: 'user', content: text(rng) });
      if (useTools && rng.chance(0.6)) messages.push(...toolExchange(rng));
      else messages.push({ role: 'assistant', content: answer(rng, abilities) });
    }
    out.push(useTools ? { messages, tools: TOOLS } : { messages });
  }
  return out;
}
