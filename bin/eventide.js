#!/usr/bin/env node
// In a checkout the TypeScript sources sit next to this file: run them through
// tsx (a dev dependency), so `npm start` never runs a stale build. The
// published package ships only the JavaScript in dist/ (see `files`), so
// there this runs dist/ and needs no TypeScript tooling.
import { existsSync } from 'node:fs';

const sources = new URL('../cli/main.ts', import.meta.url);
if (existsSync(sources)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(sources.href);
} else {
  await import('../dist/cli/main.js');
}
