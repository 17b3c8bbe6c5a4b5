import type { DroppedFile } from '../../state/modelStore';

/**
 * The files of a drop, folders walked: a model folder dragged from the file manager arrives as one directory entry.
 * Paths keep the folder (`gpt2/config.json`) so the model can be named after it. A DataTransfer built by a script
 * (or a browser without the entries API) gives plain files.
 */
export async function filesOfDrop(dataTransfer: DataTransfer): Promise<DroppedFile[]> {
  const entries = [...dataTransfer.items]
    .filter((item) => item.kind === 'file')
    .map((item) => (typeof item.webkitGetAsEntry === 'function' ? item.webkitGetAsEntry() : null));
  if (entries.length === 0 || entries.some((e) => e === null)) return filesOfList(dataTransfer.files);
  const out: DroppedFile[] = [];
  for (const entry of entries) await walk(entry!, out);
  return out;
}

/** Files from an `<input type="file" multiple>` or a folder picker (`webkitdirectory`, paths in webkitRelativePath). */
export function filesOfList(list: FileList | null): DroppedFile[] {
  return [...(list ?? [])].map((file) => ({ path: file.webkitRelativePath || file.name, file }));
}

async function walk(entry: FileSystemEntry, out: DroppedFile[]): Promise<void> {
  const path = entry.fullPath.replace(/^\//, '') || entry.name;
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
    out.push({ path, file });
    return;
  }
  if (!entry.isDirectory || entry.name.startsWith('.')) return;
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  for (;;) {
    // readEntries hands out at most ~100 entries a call; an empty batch means the end.
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0) break;
    for (const child of batch) await walk(child, out);
  }
}
