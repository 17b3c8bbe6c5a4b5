import { summarize, type Summary } from '../eval/stats';

export type Vote = 'A' | 'B' | 'tie';

export interface WinRate {
  n: number;
  wins: number;
  ties: number;
  losses: number;
  /** The paper's win rate of A over B: (wins + ties/2) / N − 0.5; 0 = parity, reported ×100 in the paper. */
  winRate: number;
  /** 95% t-interval of the same quantity over prompts (each prompt scores 1, ½ or 0). */
  interval: Summary;
}

/** Win rate of A over B from per-prompt votes, by the formula of Pang et al. (2024), with its uncertainty. */
export function winRate(votes: readonly Vote[]): WinRate {
  const wins = votes.filter((v) => v === 'A').length;
  const ties = votes.filter((v) => v === 'tie').length;
  const losses = votes.length - wins - ties;
  const n = votes.length;
  const interval = summarize(votes.map((v) => (v === 'A' ? 0.5 : v === 'tie' ? 0 : -0.5)));
  return { n, wins, ties, losses, winRate: n === 0 ? Number.NaN : (wins + ties / 2) / n - 0.5, interval };
}

/**
 * Which side shows run A for a prompt: a fixed coin flip per (prompt, seed), so a voter cannot learn that A is
 * always on the left, and a reload shows the same layout.
 */
export function aIsLeft(promptId: string, seed: number): boolean {
  let h = 2166136261 ^ seed;
  for (let i = 0; i < promptId.length; i++) h = Math.imul(h ^ promptId.charCodeAt(i), 16777619);
  return ((h >>> 0) & 1) === 0;
}
