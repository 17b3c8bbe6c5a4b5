import type { InstructionRecord } from '../../data/record';

/** A record with a given id and text sizes, for phase tests. */
export function makeRecord(id: string, instruction = 'do it', input = '', output = 'done'): InstructionRecord {
  return { id, instruction, input, output, meta: {} };
}

/** `n` records with ids "0" … "n-1". */
export function makeRecords(n: number): InstructionRecord[] {
  return Array.from({ length: n }, (_, i) => makeRecord(String(i)));
}
