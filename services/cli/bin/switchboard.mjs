#!/usr/bin/env node
// `npx switchboard …` in a clone (after npm install): runs the command's TypeScript through tsx.
// The release has its own bin/switchboard that runs the same command compiled (deploy/build-release.sh).
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
