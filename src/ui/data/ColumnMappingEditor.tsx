import { useState } from 'react';
import type { CsvMapping } from '../../core/data/csv';
import { useDatasetStore } from '../../state/datasetStore';
import styles from './ColumnMappingEditor.module.css';

const FIELDS: { key: keyof CsvMapping; label: string; required: boolean }[] = [
  { key: 'instruction', label: 'Instruction', required: true },
  { key: 'input', label: 'Input', required: false },
  { key: 'output', label: 'Output', required: true },
  { key: 'score', label: 'Difficulty score', required: false },
  { key: 'id', label: 'Id', required: false },
];

/** For CSV, TSV and Parquet: which column feeds which field. Re-reads the same file when applied. */
export function ColumnMappingEditor({ source }: { source: { columns: string[]; mapping: CsvMapping } }) {
  const remap = useDatasetStore((s) => s.remapColumns);
  const loading = useDatasetStore((s) => s.loading);
  const [draft, setDraft] = useState<Partial<CsvMapping>>(source.mapping);
  const changed = FIELDS.some((f) => (draft[f.key] ?? '') !== (source.mapping[f.key] ?? ''));
  const complete = Boolean(draft.instruction && draft.output);

  return (
    <details className={`small ${styles.editor}`} data-testid="column-mapping" open={changed || undefined}>
      <summary>
        Column mapping:{' '}
        {FIELDS.filter((f) => source.mapping[f.key])
          .map((f) => `${f.label.toLowerCase()} ← "${source.mapping[f.key]}"`)
          .join(', ')}
      </summary>
      <div className={`row ${styles.fields}`}>
        {FIELDS.map((field) => (
          <label key={field.key} className="field">
            {field.label}
            <select
              aria-label={`Column for ${field.label.toLowerCase()}`}
              value={draft[field.key] ?? ''}
              onChange={(e) => setDraft({ ...draft, [field.key]: e.target.value || undefined })}
            >
              <option value="">{field.required ? '— choose —' : '(none)'}</option>
              {source.columns.map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
            </select>
          </label>
        ))}
        <button
          className="btn primary"
          disabled={!changed || !complete || !!loading}
          onClick={() => void remap(draft as CsvMapping)}
        >
          Re-read with this mapping
        </button>
      </div>
    </details>
  );
}
