/**
 * A chat-completions server for tests, on 127.0.0.1 at a random port. Each test gives it a handler that decides,
 * per request, what to answer (a reply, an HTTP status, a delay). It counts requests and the most in flight at
 * once, refuses anything past `maxRequests` (so a runaway retry loop fails fast instead of hammering), and
 * `close()` ends every connection, slow ones included.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StubRequest {
  /** 1-based, in arrival order. */
  n: number;
  body: { model?: string; messages?: { role: string; content: string }[]; temperature?: number; max_tokens?: number };
  headers: IncomingMessage['headers'];
  /** The user message's text. */
  user: string;
}

export type StubAnswer =
  | {
      reply: string;
      delayMs?: number;
      usage?: { prompt_tokens: number; completion_tokens: number; total_tokens?: number };
    }
  | { status: number; body?: string; headers?: Record<string, string>; delayMs?: number }
  | { raw: string; delayMs?: number };

export interface StubServer {
  baseUrl: string;
  requests: StubRequest[];
  maxInFlight: number;
  refused: number;
  close(): Promise<void>;
}

/** Headers that let a page on another origin (the studio in a browser test) call the stub. */
const CORS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'POST, OPTIONS',
  'Access-Control-Allow-Headers': 'content-type, authorization',
  'Access-Control-Expose-Headers': 'retry-after',
};

export async function startStubJudge(
  handler: (req: StubRequest) => StubAnswer,
  maxRequests = 200,
  options: { cors?: boolean } = {},
): Promise<StubServer> {
  const cors = options.cors ? CORS : {};
  let inFlight = 0;
  const state = { requests: [] as StubRequest[], maxInFlight: 0, refused: 0 };
  const timers = new Set<NodeJS.Timeout>();

  const respond = (res: ServerResponse, answer: StubAnswer) => {
    if (res.destroyed) return;
    if ('reply' in answer) {
      res.writeHead(200, { 'Content-Type': 'application/json', ...cors });
      res.end(
        JSON.stringify({
          id: 'stub',
          object: 'chat.completion',
          choices: [{ index: 0, message: { role: 'assistant', content: answer.reply }, finish_reason: 'stop' }],
          ...(answer.usage ? { usage: answer.usage } : {}),
        }),
      );
    } else if ('raw' in answer) {
      res.writeHead(200, { 'Content-Type': 'text/plain', ...cors });
      res.end(answer.raw);
    } else {
      res.writeHead(answer.status, { 'Content-Type': 'application/json', ...cors, ...answer.headers });
      res.end(answer.body ?? JSON.stringify({ error: { message: `stub status ${answer.status}` } }));
    }
  };

  const server = createServer((req, res) => {
    if (options.cors && req.method === 'OPTIONS') {
      res.writeHead(204, { ...CORS, 'Access-Control-Max-Age': '600' });
      res.end();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (state.requests.length >= maxRequests) {
        state.refused++;
        res.writeHead(418, cors);
        res.end('{"error":"the stub judge refuses: too many requests in one test"}');
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as StubRequest['body'];
      const user = body.messages?.find((m) => m.role === 'user')?.content ?? '';
      const request: StubRequest = { n: state.requests.length + 1, body, headers: req.headers, user };
      state.requests.push(request);
      inFlight++;
      state.maxInFlight = Math.max(state.maxInFlight, inFlight);
      let finished = false;
      const finish = () => {
        if (!finished) {
          finished = true;
          inFlight--;
        }
      };
      res.on('close', finish);
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
    get maxInFlight() {
      return state.maxInFlight;
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

/** Pulls the record's marker (e.g. "#7") out of the user message, so handlers can answer per record. */
export function markerOf(user: string): number {
  const m = /rec#(\d+)/.exec(user);
  return m ? Number(m[1]) : -1;
}
