import { downloadBlob, downloadText } from './download';

const SVG_NS = 'http://www.w3.org/2000/svg';

export interface LegendEntry {
  label: string;
  color: string;
}

/**
 * The chart rendered in `container` (its recharts <svg>) as a standalone SVG file: white background, the page's
 * font, and the legend (recharts draws it in HTML, outside the <svg>) added as a row underneath.
 */
export function chartSvgText(container: HTMLElement, legend: readonly LegendEntry[] = []): string {
  const svg = container.querySelector('.recharts-wrapper > svg.recharts-surface');
  if (!svg) throw new Error('The chart has not been drawn yet.');
  const width = Math.round(svg.getBoundingClientRect().width) || Number(svg.getAttribute('width')) || 600;
  const height = Math.round(svg.getBoundingClientRect().height) || Number(svg.getAttribute('height')) || 300;
  const legendHeight = legend.length > 0 ? 24 : 0;
  const clone = svg.cloneNode(true) as SVGSVGElement;
  clone.setAttribute('xmlns', SVG_NS);
  clone.setAttribute('width', String(width));
  clone.setAttribute('height', String(height + legendHeight));
  clone.setAttribute('viewBox', `0 0 ${width} ${height + legendHeight}`);
  clone.setAttribute('style', 'font-family: system-ui, -apple-system, "Segoe UI", sans-serif; font-size: 12px;');
  const background = document.createElementNS(SVG_NS, 'rect');
  background.setAttribute('width', '100%');
  background.setAttribute('height', '100%');
  background.setAttribute('fill', '#ffffff');
  clone.insertBefore(background, clone.firstChild);
  let x = 12;
  for (const entry of legend) {
    const swatch = document.createElementNS(SVG_NS, 'rect');
    Object.entries({ x, y: height + 8, width: 12, height: 4, fill: entry.color }).forEach(([k, v]) =>
      swatch.setAttribute(k, String(v)),
    );
    const text = document.createElementNS(SVG_NS, 'text');
    Object.entries({ x: x + 16, y: height + 14, fill: '#333333', 'font-size': 12 }).forEach(([k, v]) =>
      text.setAttribute(k, String(v)),
    );
    text.textContent = entry.label;
    clone.append(swatch, text);
    x += 28 + entry.label.length * 7;
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n${new XMLSerializer().serializeToString(clone)}`;
}

/** The SVG drawn on a canvas at `scale` × its size, as a PNG. */
export async function svgToPng(svgText: string, scale = 2): Promise<Blob> {
  const url = URL.createObjectURL(new Blob([svgText], { type: 'image/svg+xml;charset=utf-8' }));
  try {
    const image = new Image();
    image.src = url;
    await image.decode();
    const canvas = document.createElement('canvas');
    canvas.width = Math.round(image.naturalWidth * scale);
    canvas.height = Math.round(image.naturalHeight * scale);
    const context = canvas.getContext('2d');
    if (!context) throw new Error('This browser cannot draw on a canvas.');
    context.scale(scale, scale);
    context.drawImage(image, 0, 0);
    return await new Promise<Blob>((resolve, reject) =>
      canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('The PNG could not be made.'))), 'image/png'),
    );
  } finally {
    URL.revokeObjectURL(url);
  }
}

export function downloadChartSvg(container: HTMLElement, fileBase: string, legend?: readonly LegendEntry[]): void {
  downloadText(`${fileBase}.svg`, chartSvgText(container, legend), 'image/svg+xml');
}

export async function downloadChartPng(
  container: HTMLElement,
  fileBase: string,
  legend?: readonly LegendEntry[],
): Promise<void> {
  downloadBlob(`${fileBase}.png`, await svgToPng(chartSvgText(container, legend)));
}
