#!/usr/bin/env node
// `npx arcgis-token-vending …`: runs the compiled CLI (dist/lambda/cli/main.js) with plain Node, so
// an installed package needs no TypeScript loader. The package ships dist/; in a clone, `npm ci`
// builds it (through `prepare`), and `npm run doctor` / `npm run smoke` run the sources instead.
import { existsSync } from 'node:fs';

const main = new URL('../dist/lambda/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write(`arcgis-token-vending: the compiled CLI is missing (${main.pathname}). In a clone of the repository, run npm run build.\n`);
  process.exit(1);
}
await import(main.href);
