import { describe, expect, it } from 'vitest';
import { HF_FAMILIES } from './families';
import { architectureLabel } from './familyLabel';

describe('architectureLabel', () => {
  it('names every family as the family itself does', () => {
    for (const [name, family] of Object.entries(HF_FAMILIES)) expect(architectureLabel(name)).toBe(family.label);
  });
  it('shows an architecture it does not know by its model_type', () => {
    expect(architectureLabel('mistral')).toBe('mistral');
  });
});
