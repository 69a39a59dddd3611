#!/usr/bin/env node
// The CLI is written in TypeScript; tsx registers the loader so the package
// runs without a build step.
import { register } from 'tsx/esm/api';
register();
await import('../runtime/cli/main.ts');
