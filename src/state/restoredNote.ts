/** The one line that says what a reload brought back of the training screen; undefined when it brought nothing. */
export function restoredNote(restored: { form: boolean; interrupted: string[]; queued: number }): string | undefined {
  const parts: string[] = [];
  if (restored.form) parts.push('the training form as you left it');
  const n = restored.interrupted.length;
  if (n === 1)
    parts.push(`run "${restored.interrupted[0]}" was interrupted: Resume continues it from its last checkpoint`);
  if (n > 1) parts.push(`${n} runs were interrupted: Resume continues each from its last checkpoint`);
  if (restored.queued > 0) {
    const runs = restored.queued === 1 ? '1 queued run waits' : `${restored.queued} queued runs wait`;
    parts.push(`${runs} in the queue and start${restored.queued === 1 ? 's' : ''} after the resumed run`);
  }
  return parts.length ? `Restored after the reload: ${parts.join('; ')}.` : undefined;
}
