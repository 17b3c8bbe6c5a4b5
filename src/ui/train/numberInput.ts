/** Why the text typed in a number field cannot be used, or undefined when it can (`min`/`max` inclusive). */
export function numberProblem(text: string, min?: number, max?: number): string | undefined {
  if (text.trim() === '') return 'Enter a number.';
  const v = Number(text);
  if (!Number.isFinite(v)) return `"${text}" is not a number.`;
  if (min !== undefined && v < min) return `At least ${min}.`;
  if (max !== undefined && v > max) return `At most ${max}.`;
  return undefined;
}
