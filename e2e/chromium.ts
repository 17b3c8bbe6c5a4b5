import { existsSync } from 'node:fs';

/** Debian's Chromium by default; CHROMIUM_PATH points elsewhere. Playwright's own browser download is never used. */
export function chromiumPath(): string {
  return process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
}

export function chromiumAvailable(): boolean {
  return existsSync(chromiumPath());
}

/** Headless Chromium with WebGPU (a SwiftShader software adapter on machines without a GPU). */
export const chromiumArgs = [
  '--headless=new',
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
