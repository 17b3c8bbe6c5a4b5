import type { GptConfig } from '../model/config';
import { loraProblems } from '../model/loraSettings';
import { TEMPLATE_NAMES } from '../text/template';
import { isChatTemplateSpec } from '../text/runTemplate';
import type { RunConfig } from './runConfig';

/** Throws one `RangeError` listing every unusable field of a run config (and a context longer than the model's). */
export function validateRunConfig(c: RunConfig, model?: GptConfig): void {
  const h = c.hyper;
  const bad: string[] = [];
  const posInt = (v: number, what: string) => {
    if (!Number.isInteger(v) || v < 1) bad.push(`${what} must be a positive integer, got ${v}`);
  };
  posInt(h.batchSize, 'hyper.batchSize');
  posInt(h.gradAccumulation, 'hyper.gradAccumulation');
  posInt(h.epochsPerPhase, 'hyper.epochsPerPhase');
  posInt(c.logEvery, 'logEvery');
  if (!Number.isInteger(c.evalEvery) || c.evalEvery < 0)
    bad.push(`evalEvery must be an integer ≥ 0 (0 = phase ends only), got ${c.evalEvery}`);
  if (!Number.isInteger(c.contextLength) || c.contextLength < 2)
    bad.push(`contextLength must be an integer ≥ 2, got ${c.contextLength}`);
  if (model && c.contextLength > model.contextLength) {
    bad.push(`contextLength ${c.contextLength} exceeds the model's context (${model.contextLength} positions)`);
  }
  if (!Number.isFinite(c.seed)) bad.push(`seed must be a number, got ${c.seed}`);
  const t = c.template as unknown;
  if (
    typeof t === 'string'
      ? !TEMPLATE_NAMES.includes(t as never)
      : !t || typeof t !== 'object' || !isChatTemplateSpec(c.template)
  )
    bad.push(
      `template must be one of ${TEMPLATE_NAMES.join(', ')} or a chat template read from the model's files, got ${JSON.stringify(t)?.slice(0, 80)}`,
    );
  if (c.lora !== undefined) bad.push(...loraProblems(c.lora).map((p) => p.replace(/\.$/, '')));
  if (bad.length) throw new RangeError(`Invalid run config: ${bad.join('; ')}.`);
}
