/**
 * The browser tests' judge: the unit tests' stub chat-completions server on 127.0.0.1, with CORS (the page calls it
 * from the studio's origin), seen through the few fields the browser tests look at.
 */
import { startStubJudge } from '../src/core/difficulty/judge/testing/server';

export interface JudgeRequest {
  n: number;
  model?: string;
  /** The user message's text. */
  user: string;
  authorization?: string;
}

export type JudgeAnswer =
  { reply: string; delayMs?: number } | { status: number; delayMs?: number; headers?: Record<string, string> };

export interface TestJudge {
  baseUrl: string;
  requests: JudgeRequest[];
  refused: number;
  close(): Promise<void>;
}

export async function startTestJudge(
  handler: (req: JudgeRequest) => JudgeAnswer,
  maxRequests = 300,
): Promise<TestJudge> {
  const view = (r: {
    n: number;
    body: { model?: string };
    headers: { authorization?: string };
    user: string;
  }): JudgeRequest => ({
    n: r.n,
    model: r.body.model,
    user: r.user,
    authorization: r.headers.authorization,
  });
  const stub = await startStubJudge(
    (req) => {
      const answer = handler(view(req));
      return 'reply' in answer
        ? { ...answer, usage: { prompt_tokens: 100, completion_tokens: 2, total_tokens: 102 } }
        : answer;
    },
    maxRequests,
    { cors: true },
  );
  return {
    baseUrl: stub.baseUrl,
    get requests() {
      return stub.requests.map(view);
    },
    get refused() {
      return stub.refused;
    },
    close: () => stub.close(),
  };
}
