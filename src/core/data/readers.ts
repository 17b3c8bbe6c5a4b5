import { readAlpacaRow } from './alpaca';
import { readDollyRow } from './dolly';
import { readFeedbackRow, readPreferenceRow, readPromptCompletionRow } from './feedback';
import type { RecordShape } from './formats';
import { readPhasedSftRow } from './phasedsft';
import { readConversationRow } from './sharegpt';
import type { RowReader } from './validate';

/** The reader of each row shape, for JSON files and for Parquet tables whose columns make a shape. */
export const READERS: Readonly<Record<RecordShape, RowReader>> = {
  alpaca: readAlpacaRow,
  wizardlm: readAlpacaRow,
  dolly: readDollyRow,
  phasedsft: readPhasedSftRow,
  sharegpt: readConversationRow,
  'openai-messages': readConversationRow,
  'prompt-completion': readPromptCompletionRow,
  preference: readPreferenceRow,
  kto: readFeedbackRow,
};
