import type { InstructionRecord } from '../data/record';
import { encodeExample, type TemplateName } from './template';

/**
 * The strings a run's tokenizer encodes for these records, exactly as `encodeExample` encodes them (each text
 * between two `<eos>` joined, and the prompt parts it counts tokens of): pruning on these keeps every id the run
 * will meet.
 */
export function trainingTexts(
  records: readonly Pick<InstructionRecord, 'instruction' | 'input' | 'output'>[],
  template: TemplateName,
): string[] {
  const texts: string[] = [];
  const recorder = {
    bosId: 0,
    eosId: 0,
    padId: 0,
    encode(text: string) {
      texts.push(text);
      return [];
    },
  };
  for (const r of records) encodeExample(template, recorder, r);
  return texts;
}
