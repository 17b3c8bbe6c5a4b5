/** The column headers of a per-bucket table: "phase 1", "phase 2", … in the buckets' order. */
export function BucketHeaders({ buckets }: { buckets: readonly { bucket: string }[] }) {
  return (
    <>
      {buckets.map((b) => (
        <th key={b.bucket} className="num">
          phase {b.bucket}
        </th>
      ))}
    </>
  );
}
