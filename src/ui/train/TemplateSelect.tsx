import { useModelStore } from '../../state/modelStore';
import {
  chosenTemplate,
  ownChatTemplate,
  TEMPLATE_LABELS,
  templateOptions,
  trainerUses,
} from '../../state/templateChoice';
import { useTrainStore } from '../../state/trainStore';
import styles from './TemplateSelect.module.css';

/** Whether the model the next run starts from brings a chat template of its own. */
export function useOwnChatTemplate(): boolean {
  const model = useTrainStore((s) => s.settings.model);
  const meta = useModelStore((s) => (model?.kind === 'hf' ? s.models.find((m) => m.id === model.id) : undefined));
  return ownChatTemplate(meta);
}

/**
 * How records are written for the model: its own chat template when it has one, else a built-in. The choice is the
 * run's setting (kept with the form, exported with the model); the record view and the Train form share it.
 */
export function TemplateSelect({ label = 'Prompt template' }: { label?: string }) {
  const own = useOwnChatTemplate();
  const picked = useTrainStore((s) => s.settings.template);
  const update = useTrainStore((s) => s.update);
  const choice = chosenTemplate({ template: picked }, own);
  return (
    <div className={styles.template}>
      <label className="field">
        {label}
        <select
          aria-label={label}
          value={choice}
          onChange={(e) => update({ template: e.target.value as typeof choice })}
        >
          {templateOptions(own).map((t) => (
            <option key={t} value={t}>
              {TEMPLATE_LABELS[t]}
            </option>
          ))}
        </select>
      </label>
      {!trainerUses(choice) && (
        <p className="small muted" data-testid="template-note">
          Training in this template is in progress: runs use the studio&apos;s own template until the trainer renders
          chat templates. The choice is kept with the form.
        </p>
      )}
    </div>
  );
}
