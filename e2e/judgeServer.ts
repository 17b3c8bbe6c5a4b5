/**
 * A chat-completions judge on 127.0.0.1 for the browser tests, adapted from src/core/difficulty/judge/testServer.node.ts:
 * the page calls it from another origin (the studio's port), so it answers CORS preflights and puts CORS headers on
 * every reply. It counts requests, refuses anything past `maxRequests` (418), and `close()` ends every connection.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface JudgeRequest {
  n: number;
  model?: string;
  /** The user message's text. */
  user: string;
  authorization?: string;
}

export type JudgeAnswer = { reply: string; delayMs?: number } | { status: number; delayMs?: number; headers?: Record<string, string> };

export interface TestJudge {
  baseUrl: string;
  requests: JudgeRequest[];
  refused: number;
  close(): Promise<void>;
}

const CORS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'POST, OPTIONS',
  'Access-Control-Allow-Headers': 'content-type, authorization',
  'Access-Control-Expose-Headers': 'retry-after',
};

export async function startTestJudge(handler: (req: JudgeRequest) => JudgeAnswer, maxRequests = 300): Promise<TestJudge> {
  const state = { requests: [] as JudgeRequest[], refused: 0 };
  const timers = new Set<NodeJS.Timeout>();

  const respond = (res: ServerResponse, answer: JudgeAnswer) => {
    if (res.destroyed) return;
    if ('reply' in answer) {
      res.writeHead(200, { 'Content-Type': 'application/json', ...CORS });
      res.end(
        JSON.stringify({
          id: 'test',
          object: 'chat.completion',
          choices: [{ index: 0, message: { role: 'assistant', content: answer.reply }, finish_reason: 'stop' }],
          usage: { prompt_tokens: 100, completion_tokens: 2, total_tokens: 102 },
        }),
      );
    } else {
      res.writeHead(answer.status, { 'Content-Type': 'application/json', ...CORS, ...answer.headers });
      res.end(JSON.stringify({ error: { message: `test judge status ${answer.status}` } }));
    }
  };

  const server = createServer((req, res) => {
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { ...CORS, 'Access-Control-Max-Age': '600' });
      res.end();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (state.requests.length >= maxRequests) {
        state.refused++;
        res.writeHead(418, CORS);
        res.end('{"error":"the test judge refuses: too many requests in one test"}');
        return;
      }
      let body: { model?: string; messages?: { role: string; content: string }[] } = {};
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof body;
      } catch {
        res.writeHead(400, CORS);
        res.end('{"error":"not JSON"}');
        return;
      }
      const user = body.messages?.find((m) => m.role === 'user')?.content ?? '';
      const request: JudgeRequest = { n: state.requests.length + 1, model: body.model, user, authorization: req.headers.authorization };
      state.requests.push(request);
      const answer = handler(request);
      const delay = answer.delayMs ?? 0;
      if (delay <= 0) {
        respond(res, answer);
        return;
      }
      const t = setTimeout(() => {
        timers.delete(t);
        respond(res, answer);
      }, delay);
      timers.add(t);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    get requests() {
      return state.requests;
    },
    get refused() {
      return state.refused;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        timers.clear();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The record's instruction, read back out of the default prompt's user message. */
export function instructionOf(user: string): string {
  const m = /### Instruction\n([\s\S]*?)\n\n### Input/.exec(user);
  return m ? m[1]! : '';
}
