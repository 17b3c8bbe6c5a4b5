/** Difficulty buckets ("1", "2", …, "10"): the one grouping every per-bucket report (loss, exact match) uses. */

/** Numeric-aware order: "1" < "2" < "10". */
export function compareBuckets(a: string, b: string): number {
  return a.localeCompare(b, undefined, { numeric: true });
}

/** Items grouped by bucket: buckets in numeric-aware order, items in their input order. */
export function groupByBucket<T>(items: readonly T[], bucketOf: (item: T) => string): { bucket: string; items: T[] }[] {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const bucket = bucketOf(item);
    const list = groups.get(bucket);
    if (list) list.push(item);
    else groups.set(bucket, [item]);
  }
  return [...groups.keys()].sort(compareBuckets).map((bucket) => ({ bucket, items: groups.get(bucket)! }));
}
