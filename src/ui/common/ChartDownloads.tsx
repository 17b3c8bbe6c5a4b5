import { useState, type RefObject } from 'react';
import { downloadChartPng, downloadChartSvg, type LegendEntry } from './chartDownload';
import { downloadText } from './download';

/** PNG, SVG and CSV buttons for the chart drawn inside `chartRef`; `csv` makes its data when asked. */
export function ChartDownloads(props: {
  chartRef: RefObject<HTMLElement | null>;
  fileBase: string;
  title: string;
  legend?: readonly LegendEntry[];
  csv: () => string;
}) {
  const [problem, setProblem] = useState<string>();
  const run = async (what: () => void | Promise<void>) => {
    setProblem(undefined);
    try {
      await what();
    } catch (error) {
      setProblem(`Could not download the chart: ${(error as Error).message}`);
    }
  };
  const target = () => {
    if (!props.chartRef.current) throw new Error('the chart is not on the page');
    return props.chartRef.current;
  };
  return (
    <span className="chart-downloads small" role="group" aria-label={`Download ${props.title}`}>
      <span className="muted">download</span>
      <button
        className="btn link"
        aria-label={`Download ${props.title} as PNG`}
        onClick={() => void run(() => downloadChartPng(target(), props.fileBase, props.legend))}
      >
        PNG
      </button>
      <button
        className="btn link"
        aria-label={`Download ${props.title} as SVG`}
        onClick={() => void run(() => downloadChartSvg(target(), props.fileBase, props.legend))}
      >
        SVG
      </button>
      <button
        className="btn link"
        aria-label={`Download the data of ${props.title} as CSV`}
        onClick={() => void run(() => downloadText(`${props.fileBase}.csv`, props.csv(), 'text/csv'))}
      >
        CSV
      </button>
      {problem && (
        <span role="alert" className="field-error">
          {problem}
        </span>
      )}
    </span>
  );
}
