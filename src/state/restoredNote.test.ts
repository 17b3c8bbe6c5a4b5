import { describe, expect, it } from 'vitest';
import { restoredNote } from './restoredNote';

describe('restoredNote', () => {
  it('says nothing when nothing came back', () => {
    expect(restoredNote({ form: false, interrupted: [], queued: 0 })).toBeUndefined();
  });

  it('names the form, the interrupted run and the queue in one line', () => {
    expect(restoredNote({ form: true, interrupted: ['Easy → hard'], queued: 1 })).toBe(
      'Restored after the reload: the training form as you left it; run "Easy → hard" was interrupted: Resume continues it from its last checkpoint; 1 queued run waits in the queue and starts after the resumed run.',
    );
    expect(restoredNote({ form: false, interrupted: ['a', 'b'], queued: 2 })).toBe(
      'Restored after the reload: 2 runs were interrupted: Resume continues each from its last checkpoint; 2 queued runs wait in the queue and start after the resumed run.',
    );
  });
});
