/**
 * A family's name for people ("GPT-2", "Llama", "Qwen3") by config.json's model_type, for the page: it names
 * imported models without loading the families' weight tables (families/, which the worker runs). Each family's
 * own `label` must agree (checked in familyLabel.test.ts).
 */
const LABELS: Readonly<Record<string, string>> = {
  gpt2: 'GPT-2',
  gpt_neo: 'GPT-Neo',
  llama: 'Llama',
  qwen2: 'Qwen2',
  qwen3: 'Qwen3',
};

/** The label of a stored architecture; a name stored by a newer build shows as it is. */
export function architectureLabel(architecture: string): string {
  return LABELS[architecture] ?? architecture;
}
