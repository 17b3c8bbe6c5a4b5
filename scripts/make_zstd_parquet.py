"""A real ZSTD-compressed Parquet file for the reader's test (src/core/data/parquet.test.ts), written by pyarrow as
pandas and `datasets` write one, so the test decodes compressed ZSTD blocks rather than the stored blocks the test
writer makes.

Writes src/core/data/testing/zstd-alpaca.parquet (committed, ~2 KB; the test needs no Python). The rows are what the
test checks: 120 Alpaca records, instruction "Add i and i+1.", input "" (null on every 10th row), output the sum,
one row of non-ASCII text; two row groups of 64 and 56 rows, dictionary-encoded as pyarrow does by default.

Regenerate:  .venv/bin/python scripts/make_zstd_parquet.py   (pyarrow comes with datasets, python/requirements.txt);
the output is the same bytes for the same pyarrow version.
"""
import os

import pyarrow as pa
import pyarrow.parquet as pq

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
OUT = os.path.join(ROOT, "src", "core", "data", "testing", "zstd-alpaca.parquet")
ROWS = 120

instructions = [f"Add {i} and {i + 1}." for i in range(ROWS)]
inputs = [None if i % 10 == 0 else "" for i in range(ROWS)]
outputs = [str(2 * i + 1) for i in range(ROWS)]
instructions[7] = "Übersetze „Grüße“ ins Englische ✓"
outputs[7] = "Greetings ✓"

table = pa.table({"instruction": instructions, "input": pa.array(inputs, pa.string()), "output": outputs})
pq.write_table(table, OUT, compression="zstd", compression_level=19, row_group_size=64)

written = pq.ParquetFile(OUT).metadata
codecs = {written.row_group(g).column(c).compression for g in range(written.num_row_groups) for c in range(written.num_columns)}
assert codecs == {"ZSTD"}, codecs
print(f"{os.path.relpath(OUT, ROOT)}: {os.path.getsize(OUT)} bytes, {written.num_rows} rows, {written.num_row_groups} row groups, pyarrow {pa.__version__}")
