import { useEffect, useState } from 'react';
import type { InstructionRecord } from '../../core/data/record';
import type { TrainSettings } from '../../core/runs/settings';
import { dataFit, fitSuggestions, type DataFit } from '../../core/train/fit';
import { modelVocabulary } from '../../state/modelVocabulary';
import styles from './DataFitNote.module.css';

const count = (n: number) => n.toLocaleString('en');
const plural = (n: number, one: string, many = `${one}s`) => `${count(n)} ${n === 1 ? one : many}`;

/**
 * Before Start: how many of the run's records the chosen model represents whole — characters its vocabulary lacks
 * become <unk>, records longer than its context are cut — and which model would fit, computed as training would.
 */
export function DataFitNote({
  model,
  preset,
  records,
}: Pick<TrainSettings, 'model' | 'preset'> & { records: readonly InstructionRecord[] }) {
  const [fit, setFit] = useState<DataFit | { error: string } | undefined>();
  useEffect(() => {
    let current = true;
    void modelVocabulary({ model, preset }, records).then(
      (vocabulary) => {
        if (!current) return;
        setFit(vocabulary ? dataFit(records, vocabulary.tokenizer, 'paper', vocabulary.contextLength) : undefined);
      },
      (error: Error) => current && setFit({ error: error.message }),
    );
    return () => {
      current = false;
    };
  }, [model, preset, records]);

  if (!fit) return null;
  if ('error' in fit)
    return (
      <p className="small muted" data-testid="data-fit">
        The fit of the data to the model is checked when the run starts ({fit.error}).
      </p>
    );
  if (fit.whole === fit.records) {
    return (
      <p className="small muted" data-testid="data-fit" data-whole={fit.whole} data-records={fit.records}>
        All {plural(fit.records, 'record')} this run uses fit the model whole: every character is in its vocabulary and
        the longest is {count(fit.tooLong.longest)} tokens of its {count(fit.contextLength)} positions.
      </p>
    );
  }
  return (
    <div
      className={`banner warn small ${styles.note}`}
      data-testid="data-fit"
      data-whole={fit.whole}
      data-records={fit.records}
      data-unknown={fit.unknown.records}
      data-too-long={fit.tooLong.records}
      data-tokens-cut={fit.tooLong.tokensCut}
    >
      <div className="grow">
        <strong>
          The model represents {count(fit.whole)} of the {plural(fit.records, 'record')} this run uses whole.
        </strong>{' '}
        {fit.unknown.records > 0 && (
          <span data-testid="data-fit-unknown">
            {plural(fit.unknown.records, 'record')} hold characters outside its vocabulary (
            {fit.unknown.characters.map((c) => JSON.stringify(c)).join(' ')}
            {fit.unknown.characters.length >= 24 ? ' …' : ''}): {plural(fit.unknown.tokens, 'character')} would train as
            &lt;unk&gt;.{' '}
          </span>
        )}
        {fit.tooLong.records > 0 && (
          <span data-testid="data-fit-too-long">
            {plural(fit.tooLong.records, 'record is', 'records are')} longer than its {count(fit.contextLength)}{' '}
            positions: {plural(fit.tooLong.tokensCut, 'token')} would be cut (the longest record is{' '}
            {count(fit.tooLong.longest)} tokens).
          </span>
        )}
        <ul className={styles.suggestions} data-testid="data-fit-suggestions">
          {fitSuggestions(fit).map((s) => (
            <li key={s}>{s}</li>
          ))}
        </ul>
      </div>
    </div>
  );
}
