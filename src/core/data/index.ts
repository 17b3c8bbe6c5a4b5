/** Reading instruction datasets: every supported format → `InstructionRecord[]` + an honest `ValidationReport`. */
export { parseDataset, inspectColumns, type ParseOptions, type TableColumns } from './parseDataset';
export { reportToCsv, reportToJson, reportToText } from './report';
export { decodeText, type DecodedText } from './decode';
export { sniffFormat, sniffText, isParquet, type SniffResult } from './sniff';
export { FORMAT_LABELS, formatLabel, type Container, type RecordShape } from './formats';
export { guessMapping, resolveMapping } from './columns';
export { listCsvColumns, type CsvMapping } from './csv';
export { listParquetColumns } from './parquet';
export { MAX_FIELD_CHARS, SCORE_RANGE, parseScore } from './validate';
export * from './record';
