/**
 * For storage tests on fake-indexeddb: one connection per test file (db.ts keeps it), emptied before each test, and a
 * way to write a record of any shape, as a foreign or buggy build might have left it.
 */
import { openStudioDB } from '../db';

type Stores = Parameters<Awaited<ReturnType<typeof openStudioDB>>['put']>[0];

export async function emptyStudioDB(): Promise<void> {
  const db = await openStudioDB();
  const names = [...db.objectStoreNames];
  const tx = db.transaction(names, 'readwrite');
  await Promise.all([...names.map((name) => tx.objectStore(name).clear()), tx.done]);
}

/** Puts `value` as it is, without the type the store's module would hold it to. */
export async function putRaw(store: Stores, value: unknown, key: string): Promise<void> {
  const db = await openStudioDB();
  await db.put(store, value as never, key);
}
