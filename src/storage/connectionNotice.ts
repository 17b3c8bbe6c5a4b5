/**
 * What this tab tells the user about its IndexedDB connection when another tab of the studio stands in the way
 * (`blocked`, `blocking`) or the saved data is newer than this page (`VersionError`). Pure: the words live here,
 * `db.ts` decides when.
 */
export type ConnectionNotice =
  | { kind: 'blocked'; message: string }
  | { kind: 'closed-for-upgrade'; message: string }
  | { kind: 'newer-data'; message: string };

export const BLOCKED_NOTICE: ConnectionNotice = {
  kind: 'blocked',
  message:
    'Another tab of the studio holds an older version of the saved data open. Close that tab (or reload it): this tab waits and goes on by itself once it is closed.',
};

export const CLOSED_FOR_UPGRADE_NOTICE: ConnectionNotice = {
  kind: 'closed-for-upgrade',
  message:
    'A newer version of the studio was opened in another tab and needs the saved data: this tab let go of it and saves nothing more. Reload this tab to go on with the new version.',
};

export const NEWER_DATA_NOTICE: ConnectionNotice = {
  kind: 'newer-data',
  message: 'This page is older than the data saved by a newer version of the studio: reload to get the new version.',
};

/** The notice for a failed open, or undefined when the failure is not one the user can fix by closing or reloading. */
export function noticeForOpenFailure(error: unknown): ConnectionNotice | undefined {
  return error instanceof Error && error.name === 'VersionError' ? NEWER_DATA_NOTICE : undefined;
}
