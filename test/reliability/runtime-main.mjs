// Entry point for `bun`, `deno run` and `node`: runs the smoke scenario against dist/ and prints one JSON line.
import * as lib from '../../dist/index.js';
import { smoke } from './runtime-smoke.mjs';

const g = globalThis;
const runtime =
  g.Bun !== undefined ? `bun ${g.Bun.version}` : g.Deno !== undefined ? `deno ${g.Deno.version.deno}` : `node ${g.process.version}`;
console.log(JSON.stringify({ runtime, result: await smoke(lib) }));
