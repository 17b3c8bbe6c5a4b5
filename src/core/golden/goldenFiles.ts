/**
 * Test support (Node only): the golden files python/make_golden.py writes with `transformers` — tiny random GPT-2
 * and GPT-Neo folders, their logits and losses on fixed ids, the Trainer's schedules and decay lists.
 */
import { readFileSync } from 'node:fs';

const at = (name: string) => new URL(`./${name}`, import.meta.url);

/** A golden model folder as `importHfModel` takes it. */
export function goldenFolder(architecture: 'gpt2' | 'gpt_neo'): Record<string, Uint8Array | string> {
  return {
    'config.json': readFileSync(at(`${architecture}/config.json`), 'utf8'),
    'model.safetensors': new Uint8Array(readFileSync(at(`${architecture}/model.safetensors`))),
  };
}

export interface GoldenReference {
  ids: number[][];
  targets: number[][];
  mask: number[][];
  /** transformers' logits [B, T, V], row-major. */
  logits: number[];
  /** transformers' masked loss (`labels` with -100 outside the mask). */
  loss: number;
}

export function goldenJson<T>(name: 'reference.json' | 'schedule.json' | 'decay.json'): T {
  return JSON.parse(readFileSync(at(name), 'utf8')) as T;
}
