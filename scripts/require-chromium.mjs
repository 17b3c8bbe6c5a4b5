// Fails fast, with instructions, when the browser the end-to-end tests drive is missing.
import { existsSync } from 'node:fs';

const path = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (!existsSync(path)) {
  console.error(`
The browser tests need Chromium at ${path}, and it is not there.

  On Debian/Ubuntu:   sudo apt-get update && sudo apt-get install -y chromium
  Elsewhere:          CHROMIUM_PATH=/path/to/chrome-or-chromium npm test

(The tests never download a browser of their own.)
`);
  process.exit(1);
}
