import { useEffect, useMemo, useRef, useState } from 'react';
import type { InstructionRecord } from '../../core/data/record';
import type { TemplateChoice, TrainSettings } from '../../core/runs/settings';
import { renderStudioRecord, type RenderedRecord } from '../../state/recordRendering';
import { chosenTemplate, TEMPLATE_LABELS } from '../../state/templateChoice';
import { useTrainStore } from '../../state/trainStore';
import { viewTokenizer, type ViewTokenizer } from '../../state/viewTokenizer';
import { TemplateSelect, useOwnChatTemplate } from '../train/TemplateSelect';
import { RecordRendering } from './RecordRendering';
import styles from './RecordView.module.css';

/** The model the next run starts from, as the person knows it. */
function modelLabel(settings: Pick<TrainSettings, 'model' | 'preset'>): string {
  const ref = settings.model;
  if (ref?.kind === 'hf') return ref.name;
  if (ref?.kind === 'base') return ref.name;
  return `a random ${settings.preset} model (its characters are the dataset's)`;
}

/** The record's row under the chosen template, or why it cannot be shown yet. */
function rendering(
  tokenizer: ViewTokenizer,
  template: TemplateChoice,
  record: InstructionRecord,
): RenderedRecord | { unavailable: string } {
  if (template === 'paper') return renderStudioRecord(tokenizer.tokenizer, 'paper', record);
  return {
    unavailable: `${TEMPLATE_LABELS[template]}: the view of chat templates comes with their renderer (in progress). Pick the studio's own template to see this record's tokens.`,
  };
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
  const template = chosenTemplate({ template: picked }, useOwnChatTemplate());
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

  const shown = useMemo(
    () => (tokenizer && !('error' in tokenizer) ? rendering(tokenizer, template, record) : undefined),
    [tokenizer, template, record],
  );

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
      {tokenizer === undefined && <p className="small muted">Reading the model&apos;s tokenizer…</p>}
      {tokenizer && 'error' in tokenizer && (
        <p className="small field-error" role="alert">
          This record cannot be shown as the model sees it: {tokenizer.error}
        </p>
      )}
      {shown && 'unavailable' in shown && (
        <p className="small muted" data-testid="record-view-unavailable">
          {shown.unavailable}
        </p>
      )}
      {shown && !('unavailable' in shown) && tokenizer && !('error' in tokenizer) && (
        <RecordRendering rendered={shown} contextLength={tokenizer.contextLength} />
      )}
    </section>
  );
}
