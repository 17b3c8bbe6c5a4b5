import { limitProblem, type NumberLimit } from '../../core/runs/settingLimits';

/**
 * Why the text typed in a number field cannot be used, or undefined when it can: within `limit` (the setting's own,
 * from core/runs/settingLimits, the same the schema of links and files holds), or within inclusive `min`/`max`.
 * Whole-number settings are rounded by the form, so a fraction there is not a problem.
 */
export function numberProblem(text: string, limit?: NumberLimit | number, max?: number): string | undefined {
  if (text.trim() === '') return 'Enter a number.';
  const v = Number(text);
  if (!Number.isFinite(v)) return `"${text}" is not a number.`;
  const bounds: NumberLimit = typeof limit === 'object' ? limit : { min: limit, max };
  return limitProblem(v, bounds, { wholeNumbers: false });
}

/** A limit on a share shown in percent (a stored 0.05 is shown as 5). */
export function inPercent(limit: NumberLimit): NumberLimit {
  const scale = (x: number | undefined) => (x === undefined ? undefined : Math.round(x * 100 * 1e9) / 1e9);
  return { min: scale(limit.min), max: scale(limit.max), above: scale(limit.above), below: scale(limit.below) };
}
