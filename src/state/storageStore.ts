/** How this tab stands with the browser's storage: a notice when another tab of the studio is in the way. */
import { create } from 'zustand';
import type { ConnectionNotice } from '../storage/connectionNotice';
import { onConnectionNotice } from '../storage/db';

interface StorageState {
  connection?: ConnectionNotice;
}

export const useStorageStore = create<StorageState>()(() => ({}));

onConnectionNotice((connection) => useStorageStore.setState({ connection }));

/** The saved dataset, phase settings and runs as JSON text, damaged records included: the way out of a failure. */
export { exportSavedData } from '../storage/exportSaved';
