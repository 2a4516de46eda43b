#!/usr/bin/env node
// `npx arcgis-token-vending …` from the repository: runs the TypeScript CLI without a build step.
// tsx is resolved next to this file (not from the working directory), which is what
// `node --import tsx` does when run from the repository root.
import { register } from 'tsx/esm/api';

register();
await import(new URL('../lambda/cli/main.ts', import.meta.url).href);
