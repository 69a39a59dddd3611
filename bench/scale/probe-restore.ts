import { createActor } from 'xstate';
import { readFileSync } from 'node:fs';
import { partitionSupervisorMachine } from '../../actors/partition-supervisor.ts';
import { performance } from 'node:perf_hooks';
const json = readFileSync(process.argv[2]!, 'utf8');
for (let i = 0; i < 3; i++) {
let t = performance.now();
const parsed = JSON.parse(json);
const a = performance.now() - t; t = performance.now();
const restored = createActor(partitionSupervisorMachine, { input: {} as never, snapshot: parsed });
const b = performance.now() - t; t = performance.now();
restored.start();
restored.send({ type: 'eventide.restored', from: 'snapshot', published: [], now: 1_700_000_000_000 } as never);
console.log('parse', a.toFixed(0), 'createActor', b.toFixed(0), 'start+restored', (performance.now() - t).toFixed(0));
}
