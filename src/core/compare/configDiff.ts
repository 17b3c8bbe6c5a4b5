/** Flattens a plain object to dotted paths: { hyper: { lr: 1 } } → { 'hyper.lr': 1 }. Arrays become one value. */
export function flatten(value: unknown, prefix = '', out: Record<string, string> = {}): Record<string, string> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, inner] of Object.entries(value as Record<string, unknown>))
      flatten(inner, prefix ? `${prefix}.${key}` : key, out);
  } else {
    out[prefix] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return out;
}

export interface ConfigDifference {
  path: string;
  /** One value per config, in the order given ('—' where a config lacks the path). */
  values: string[];
}

/**
 * What changed between configs: every dotted path whose value is not the same in all of them. The automatic
 * "what changed" summary of a comparison, so two curves are never read without knowing what separates them.
 */
export function configDiff(configs: readonly unknown[]): ConfigDifference[] {
  const flat = configs.map((c) => flatten(c));
  const paths = [...new Set(flat.flatMap((f) => Object.keys(f)))].sort();
  const diffs: ConfigDifference[] = [];
  for (const path of paths) {
    const values = flat.map((f) => f[path] ?? '—');
    if (new Set(values).size > 1) diffs.push({ path, values });
  }
  return diffs;
}
