#!/usr/bin/env node
// Runs the compiled CLI in dist/ (built by `npm run build`, which `npm ci` runs as `prepare`). A checkout
// that was never built runs the TypeScript sources through tsx instead, at about a second more per start.
import { existsSync } from 'node:fs';

const dist = new URL('../dist/cli/main.js', import.meta.url);
let main;
if (existsSync(dist)) main = await import(dist.href);
else {
  const { register } = await import('tsx/esm/api');
  register();
  main = await import('../src/cli/main.ts');
}
process.exitCode = await main.run(process.argv.slice(2));
