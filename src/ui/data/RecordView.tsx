import { useEffect, useRef, useState } from 'react';
import type { InstructionRecord } from '../../core/data/record';
import type { TrainSettings } from '../../core/runs/settings';
import type { RenderedRecord } from '../../state/recordRendering';
import { renderForView } from '../../state/recordView';
import { chosenTemplate } from '../../state/templateChoice';
import { useTrainStore } from '../../state/trainStore';
import { viewTokenizer, type ViewTokenizer } from '../../state/viewTokenizer';
import { TemplateSelect, useModelTemplates } from '../train/TemplateSelect';
import { RecordRendering } from './RecordRendering';
import styles from './RecordView.module.css';

/** The model the next run starts from, as the person knows it. */
function modelLabel(settings: Pick<TrainSettings, 'model' | 'preset'>): string {
  const ref = settings.model;
  if (ref?.kind === 'hf') return ref.name;
  if (ref?.kind === 'base') return ref.name;
  return `a random ${settings.preset} model (its characters are the dataset's)`;
}

/**
 * "How the model sees it": one record as the model of the next run reads it, under the chosen template, with what
 * training is taken on highlighted. Follows the Train form's model and template.
 */
export function RecordView({
  record,
  records,
  onClose,
}: {
  record: InstructionRecord;
  records: readonly InstructionRecord[];
  onClose: () => void;
}) {
  const model = useTrainStore((s) => s.settings.model);
  const preset = useTrainStore((s) => s.settings.preset);
  const picked = useTrainStore((s) => s.settings.template);
  const { own, chatCapable } = useModelTemplates();
  const template = chosenTemplate({ template: picked }, own, chatCapable);
  // The tokenizer with the inputs it was read for: one read for another model counts as not read yet.
  const [read, setRead] = useState<{ from: unknown[]; value: ViewTokenizer | { error: string } }>();
  const from = [model, preset, records];
  const tokenizer = read && read.from.every((x, i) => x === from[i]) ? read.value : undefined;

  // Opened from a row far up the table: brought into sight, not left below the pager.
  const section = useRef<HTMLElement>(null);
  useEffect(() => {
    section.current?.scrollIntoView?.({ block: 'nearest', behavior: 'smooth' });
  }, [record.id]);

  useEffect(() => {
    let current = true;
    const from = [model, preset, records];
    viewTokenizer({ model, preset }, records).then(
      (value) => current && setRead({ from, value }),
      (error: Error) => current && setRead({ from, value: { error: error.message } }),
    );
    return () => {
      current = false;
    };
  }, [model, preset, records]);

  // The row, with what it was rendered from, as the tokenizer above.
  const [rendered, setRendered] = useState<{ from: unknown[]; value: RenderedRecord | { error: string } }>();
  const renderFrom = [tokenizer, template, record];
  const shown = rendered && rendered.from.every((x, i) => x === renderFrom[i]) ? rendered.value : undefined;
  useEffect(() => {
    if (!tokenizer || 'error' in tokenizer) return;
    let current = true;
    const from = [tokenizer, template, record];
    renderForView(tokenizer, template, record).then(
      (value) => current && setRendered({ from, value }),
      (error: Error) => current && setRendered({ from, value: { error: error.message } }),
    );
    return () => {
      current = false;
    };
  }, [tokenizer, template, record]);
  const problem =
    tokenizer && 'error' in tokenizer ? tokenizer.error : shown && 'error' in shown ? shown.error : undefined;

  return (
    <section ref={section} className="panel" aria-label="How the model sees it" data-testid="record-view">
      <div className="panel-head">
        <h2>
          How the model sees it: record <span className="mono">{record.id}</span>
        </h2>
        <span className="spacer" />
        <button className="btn" onClick={onClose}>
          Close
        </button>
      </div>
      <div className={`row ${styles.controls}`}>
        <TemplateSelect label="Template shown" />
        <p className="small muted">
          Tokens of {modelLabel({ model, preset })}, the model the Train form starts from (change it there).
        </p>
      </div>
      {!problem && !shown && <p className="small muted">Reading the model&apos;s tokenizer…</p>}
      {problem && (
        <p className="small field-error" role="alert" data-testid="record-view-problem">
          This record cannot be shown as the model sees it: {problem}
        </p>
      )}
      {shown && !('error' in shown) && (
        <RecordRendering
          rendered={shown}
          contextLength={tokenizer && !('error' in tokenizer) ? tokenizer.contextLength : undefined}
        />
      )}
    </section>
  );
}
