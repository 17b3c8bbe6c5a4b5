// Easy → hard reads as green → amber → red, whatever the number of phases.
const STOPS: [number, number, number][] = [
  [0x34, 0xa8, 0x74],
  [0xe0, 0xa5, 0x26],
  [0xd6, 0x45, 0x45],
];

function mix(t: number): string {
  const scaled = Math.min(Math.max(t, 0), 1) * (STOPS.length - 1);
  const i = Math.min(Math.floor(scaled), STOPS.length - 2);
  const f = scaled - i;
  const [a, b] = [STOPS[i]!, STOPS[i + 1]!];
  const channel = (k: number) =>
    Math.round(a[k]! + (b[k]! - a[k]!) * f)
      .toString(16)
      .padStart(2, '0');
  return `#${channel(0)}${channel(1)}${channel(2)}`;
}

/** Colour of phase `index` (0-based) out of `count`; with 3 phases: green, amber, red. */
export function phaseHex(index: number, count = 3): string {
  return mix(count <= 1 ? 0 : index / (count - 1));
}

export const phaseColor = phaseHex;
