/** The LLM-judge scorer: prompt, reply parsing, client, cache, estimate and the scorer itself. */
export * from './prompt';
export * from './parseReply';
export * from './client';
export * from './cache';
export * from './estimate';
export * from './judgeScorer';
export { JUDGE_ON_DEMAND_SCORER, JUDGE_ON_DEMAND_NOTE } from './entry';
