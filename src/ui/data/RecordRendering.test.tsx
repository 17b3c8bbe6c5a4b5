// @vitest-environment jsdom
import { cleanup, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { CharTokenizer } from '../../core/tokenizer/charTokenizer';
import { renderStudioRecord } from '../../state/recordRendering';
import { RecordRendering } from './RecordRendering';

afterEach(cleanup);

const record = { instruction: 'Capital of France?', input: '', output: 'Paris' };
const tok = CharTokenizer.fromTexts(['User: Assistant:\n', record.instruction, record.output]);

describe('RecordRendering', () => {
  it('highlights the trained span, tells screen readers where it starts and ends, and boxes special tokens', () => {
    render(<RecordRendering rendered={renderStudioRecord(tok, 'paper', record)} />);
    const block = screen.getByTestId('record-rendering');
    const marks = within(block).getAllByTestId('trained-span');
    expect(marks).toHaveLength(1);
    expect(marks[0]!.tagName).toBe('MARK');
    // The words a screen reader says around the answer, and the answer with its <eos>.
    expect(marks[0]!.textContent).toBe('[trained: Paris<eos>]');
    const specials = within(block).getAllByTitle('special token');
    expect(specials.map((s) => s.textContent)).toEqual(['<bos>', '<eos>', '<eos>']);
    // The prompt's <eos> is context; the final one is inside the highlight.
    expect(marks[0]!.contains(specials[2]!)).toBe(true);
    expect(marks[0]!.contains(specials[1]!)).toBe(false);
    expect(block.textContent).toBe('<bos>User: Capital of France?<eos>\nAssistant: [trained: Paris<eos>]');
    // 24 characters of "User: Capital of France?", 12 of "\nAssistant: ", 5 of "Paris", and the three special tokens.
    expect(screen.getByTestId('token-count').textContent).toBe('44 tokens, 6 of them trained on');
  });

  it('says when the row is longer than the model can read', () => {
    render(<RecordRendering rendered={renderStudioRecord(tok, 'paper', record)} contextLength={16} />);
    expect(screen.getByTestId('token-count').textContent).toContain("longer than the model's 16 positions");
  });

  it("keeps a conversation's earlier trained answer as its own highlight", () => {
    const conversation = { ...record, history: [{ user: 'Capital of France?', assistant: 'Paris' }] };
    render(<RecordRendering rendered={renderStudioRecord(tok, 'paper', conversation)} />);
    expect(screen.getAllByTestId('trained-span').map((m) => m.textContent)).toEqual([
      '[trained: Paris<eos>]',
      '[trained: Paris<eos>]',
    ]);
  });
});
