/**
 * Which scorers exist and which of them can rate a given dataset. The field and heuristic scorers are built in;
 * later ones (IFD from a small model, an LLM judge) register themselves here and appear in the UI without the UI
 * knowing about them.
 */
import type { InstructionRecord } from '../data/record';
import { countFieldScores, createFieldScorer, FIELD_SCORER_ID } from './fieldScorer';
import { createHeuristicScorer, HEURISTIC_SCORER_ID } from './heuristicScorer';
import { IFD_SCORER_ENTRY, RESPONSE_LOSS_SCORER_ENTRY } from './ifdEntry';
import { JUDGE_SCORER_ENTRY } from './judge/entry';
import type { Scorer } from './scorer';

export interface Availability {
  available: boolean;
  /** Shown next to the scorer: why it is unavailable, or a caveat ("1 200 of 5 000 records carry a score"). */
  note?: string;
}

export interface ScorerEntry {
  id: string;
  name: string;
  description: string;
  availability(records: readonly InstructionRecord[]): Availability;
  create(): Scorer;
}

export interface ScorerOption extends Availability {
  id: string;
  name: string;
  description: string;
}

export class ScorerRegistry {
  private readonly entries = new Map<string, ScorerEntry>();

  register(entry: ScorerEntry): void {
    if (this.entries.has(entry.id)) throw new Error(`A scorer with id "${entry.id}" is already registered.`);
    this.entries.set(entry.id, entry);
  }

  /** Every registered scorer, in registration order, with whether it can score these records. */
  list(records: readonly InstructionRecord[]): ScorerOption[] {
    return [...this.entries.values()].map((e) => ({
      id: e.id,
      name: e.name,
      description: e.description,
      ...e.availability(records),
    }));
  }

  /** The scorer to preselect: the first available one (the file's own scores come first when present). */
  defaultId(records: readonly InstructionRecord[]): string | undefined {
    return this.list(records).find((o) => o.available)?.id;
  }

  create(id: string): Scorer {
    const entry = this.entries.get(id);
    if (entry === undefined) {
      throw new Error(`Unknown scorer "${id}". Known scorers: ${[...this.entries.keys()].join(', ')}.`);
    }
    return entry.create();
  }
}

const fieldInfo = createFieldScorer();
const heuristicInfo = createHeuristicScorer();

export const FIELD_SCORER_ENTRY: ScorerEntry = {
  id: FIELD_SCORER_ID,
  name: fieldInfo.name,
  description: fieldInfo.description,
  availability: (records) => {
    const n = countFieldScores(records);
    if (n === 0) return { available: false, note: 'The file has no score, difficulty or level field.' };
    if (n < records.length) {
      return { available: true, note: `${n} of ${records.length} records carry a score; the rest stay unscored.` };
    }
    return { available: true };
  },
  create: createFieldScorer,
};

export const HEURISTIC_SCORER_ENTRY: ScorerEntry = {
  id: HEURISTIC_SCORER_ID,
  name: heuristicInfo.name,
  description: heuristicInfo.description,
  availability: () => ({ available: true, note: 'A length-and-cue proxy, not a judgement.' }),
  create: createHeuristicScorer,
};

/** A registry holding the built-in scorers: `field`, then `heuristic`. */
export function createDefaultRegistry(): ScorerRegistry {
  const registry = new ScorerRegistry();
  registry.register(FIELD_SCORER_ENTRY);
  registry.register(HEURISTIC_SCORER_ENTRY);
  return registry;
}

/**
 * Scorers that run on demand: listed (the UI shows their name, description and why they are not run on load) but
 * never available to the automatic pass, because they need something the user must first give — an endpoint for
 * the judge, a loaded model for IFD and response loss — and cost time (and, for a hosted judge, money). The UI
 * starts them with `createJudgeScorer(settings)` / `createIfdScorer(model)` / `createResponseLossScorer(model)`.
 */
export const ON_DEMAND_SCORER_ENTRIES: readonly ScorerEntry[] = [JUDGE_SCORER_ENTRY, IFD_SCORER_ENTRY, RESPONSE_LOSS_SCORER_ENTRY];

/** The app-wide registry: the built-in scorers, then the on-demand ones; later scorers call `scorers.register(…)`. */
export const scorers = createDefaultRegistry();
for (const entry of ON_DEMAND_SCORER_ENTRIES) scorers.register(entry);
