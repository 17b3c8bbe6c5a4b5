/**
 * The recipe as one `.zip` download (fflate): opens on Windows, macOS and Linux with the system's own tools and asks
 * nobody to run a downloaded script. Every file sits under `<folder>/`; shell scripts keep their executable bit
 * (Unix attributes), and entries carry a fixed date so the same recipe gives the same bytes.
 */
import { zipSync, type Zippable } from 'fflate';
import type { ExportFile } from '../phases/export';

/** The download name of {@link zipRecipe}'s archive. */
export function zipFileName(folder: string): string {
  return `${folder}.zip`;
}

const SAFE_PATH = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;
/** 1 Jan 2024, local time: zip dates have no time zone and start in 1980. */
const FIXED_DATE = new Date(2024, 0, 1);
const UNIX = 3;
const FILE_MODE = 0o100644;
const SCRIPT_MODE = 0o100755;

/** A folder name made safe for {@link zipFolder}: "test-org/SmolLM2 135M" → "test-org-SmolLM2-135M". */
export function safeFolderName(name: string): string {
  const safe = name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+|-+$/g, '');
  return safe === '' ? 'model' : safe;
}

/**
 * A model folder (text and binary files) as one zip under `<folder>/`: weights stored as they are (floats do not
 * deflate), the rest deflated; the same fixed dates as the recipe's.
 */
export function zipFolder(
  files: Readonly<Record<string, Uint8Array | string>>,
  folder: string,
): { fileName: string; bytes: Uint8Array } {
  if (!SAFE_PATH.test(folder) || folder.includes('/')) throw new Error(`zip: "${folder}" is not a safe folder name.`);
  const entries: Zippable = {};
  const encoder = new TextEncoder();
  for (const [name, content] of Object.entries(files)) {
    if (!SAFE_PATH.test(name) || name.split('/').some((seg) => seg === '.' || seg === '..'))
      throw new Error(`zip: "${name}" is not a safe relative path.`);
    const bytes = typeof content === 'string' ? encoder.encode(content) : content;
    const level = name.endsWith('.safetensors') ? 0 : 6;
    entries[`${folder}/${name}`] = [bytes, { level, mtime: FIXED_DATE, os: UNIX, attrs: (FILE_MODE << 16) >>> 0 }];
  }
  return { fileName: zipFileName(folder), bytes: zipSync(entries) };
}

/** Every file under `<folder>/` in one deflated zip, in the given order. */
export function zipRecipe(files: readonly ExportFile[], folder: string): { fileName: string; bytes: Uint8Array } {
  if (!SAFE_PATH.test(folder) || folder.includes('/')) throw new Error(`zip: "${folder}" is not a safe folder name.`);
  const entries: Zippable = {};
  const encoder = new TextEncoder();
  for (const f of files) {
    if (!SAFE_PATH.test(f.fileName) || f.fileName.split('/').some((seg) => seg === '.' || seg === '..')) {
      throw new Error(`zip: "${f.fileName}" is not a safe relative path.`);
    }
    const path = `${folder}/${f.fileName}`;
    if (path in entries) throw new Error(`zip: "${f.fileName}" is written twice.`);
    const mode = /\.(sh|py)$/.test(f.fileName) ? SCRIPT_MODE : FILE_MODE;
    entries[path] = [encoder.encode(f.text), { level: 6, mtime: FIXED_DATE, os: UNIX, attrs: (mode << 16) >>> 0 }];
  }
  return { fileName: zipFileName(folder), bytes: zipSync(entries) };
}
