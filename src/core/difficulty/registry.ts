/**
 * Which scorers exist and which of them can rate a given dataset. The field and heuristic scorers are built in and
 * run when a file is loaded; the on-demand ones (an LLM judge, IFD and response loss from a model) are only listed
 * here, so the UI shows them without knowing about them. The entries import nothing from here: no cycle.
 */
import type { InstructionRecord } from '../data/record';
import { countFieldScores, createFieldScorer, FIELD_SCORER_ID } from './fieldScorer';
import { createHeuristicScorer, HEURISTIC_SCORER_ID } from './heuristicScorer';
import { IFD_ON_DEMAND_SCORER, RESPONSE_LOSS_ON_DEMAND_SCORER } from './ifdEntry';
import { JUDGE_ON_DEMAND_SCORER } from './judge/entry';
import type { OnDemandScorer, Scorer } from './scorer';

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
  private readonly onDemand = new Map<string, OnDemandScorer>();

  register(entry: ScorerEntry): void {
    this.checkFree(entry.id);
    this.entries.set(entry.id, entry);
  }

  /** A scorer that is listed but never available to the automatic pass (see `OnDemandScorer`). */
  registerOnDemand(scorer: OnDemandScorer): void {
    this.checkFree(scorer.id);
    this.onDemand.set(scorer.id, scorer);
  }

  private checkFree(id: string): void {
    if (this.entries.has(id) || this.onDemand.has(id))
      throw new Error(`A scorer with id "${id}" is already registered.`);
  }

  /** Every registered scorer, in registration order (the on-demand ones last), with whether it can score these records. */
  list(records: readonly InstructionRecord[]): ScorerOption[] {
    const runnable = [...this.entries.values()].map((e) => ({
      id: e.id,
      name: e.name,
      description: e.description,
      ...e.availability(records),
    }));
    const listed = [...this.onDemand.values()].map((s) => ({
      id: s.id,
      name: s.name,
      description: s.description,
      available: false,
      note: s.note,
    }));
    return [...runnable, ...listed];
  }

  /** The scorer to preselect: the first available one (the file's own scores come first when present). */
  defaultId(records: readonly InstructionRecord[]): string | undefined {
    return this.list(records).find((o) => o.available)?.id;
  }

  create(id: string): Scorer {
    const entry = this.entries.get(id);
    const onDemand = this.onDemand.get(id);
    if (onDemand) throw new Error(`The ${onDemand.name} scorer runs on demand only: ${onDemand.howTo}`);
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

/** Scorers that run on demand, listed after the built-in ones: the judge, then IFD and response loss. */
export const ON_DEMAND_SCORERS: readonly OnDemandScorer[] = [
  JUDGE_ON_DEMAND_SCORER,
  IFD_ON_DEMAND_SCORER,
  RESPONSE_LOSS_ON_DEMAND_SCORER,
];

/** The app-wide registry: the built-in scorers, then the on-demand ones. */
export const scorers = createDefaultRegistry();
for (const scorer of ON_DEMAND_SCORERS) scorers.registerOnDemand(scorer);
