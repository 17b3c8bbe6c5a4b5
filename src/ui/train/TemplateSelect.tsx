import { useModelStore } from '../../state/modelStore';
import {
  chosenTemplate,
  ownChatTemplate,
  readsChatTemplates,
  TEMPLATE_LABELS,
  templateOptions,
} from '../../state/templateChoice';
import { useTrainStore } from '../../state/trainStore';
import styles from './TemplateSelect.module.css';

/**
 * What the model the next run starts from allows: whether it brings a chat template of its own, and whether its
 * tokenizer can be written in one at all.
 */
export function useModelTemplates(): { own: boolean; chatCapable: boolean } {
  const model = useTrainStore((s) => s.settings.model);
  const meta = useModelStore((s) => (model?.kind === 'hf' ? s.models.find((m) => m.id === model.id) : undefined));
  return { own: ownChatTemplate(meta), chatCapable: readsChatTemplates(meta) };
}

/**
 * How records are written for the model: its own chat template when it has one, else a built-in. The choice is the
 * run's setting (kept with the form, exported with the model); the record view and the Train form share it.
 */
export function TemplateSelect({ label = 'Prompt template' }: { label?: string }) {
  const { own, chatCapable } = useModelTemplates();
  const picked = useTrainStore((s) => s.settings.template);
  const update = useTrainStore((s) => s.update);
  const choice = chosenTemplate({ template: picked }, own, chatCapable);
  return (
    <div className={styles.template}>
      <label className="field">
        {label}
        <select
          aria-label={label}
          value={choice}
          onChange={(e) => update({ template: e.target.value as typeof choice })}
        >
          {templateOptions(own, chatCapable).map((t) => (
            <option key={t} value={t}>
              {TEMPLATE_LABELS[t]}
            </option>
          ))}
        </select>
      </label>
    </div>
  );
}
