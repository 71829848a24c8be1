#!/usr/bin/env node
// Plain JavaScript entry so that an old Node gets one clear line instead of a syntax error
// from the TypeScript sources (which Node >= 22.18 runs directly by stripping types).
import './check-node.js';
await import('../src/main.ts');
