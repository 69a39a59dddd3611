/**
 * The cost of being watched: the pipeline bench's drain (bench/pipeline.ts:
 * N events written up front, one node drains them on the memory transport)
 * run in three modes, interleaved so that warm-up and drift fall on each
 * alike:
 *
 * - `off`: no inspector;
 * - `unwatched`: the node's inspector (as `eventide node --inspect` serves
 *   it) listening, nobody connected;
 * - `watched`: the same, with a client in another process watching over the
 *   real WebSocket what the page watches: the cluster from the start, and
 *   as soon as there is one, an open window actor (found with `GET
 *   /api/actors`, as a person picks one; another whenever it is gone) with
 *   the actor tree of its partition expanded at the supervisor.
 *
 * Prints, for every run, events/s of wall-clock time and of this process's
 * CPU time (the watching client's is not counted: it stands for a browser
 * elsewhere), then the median of each mode and the differences in %, both
 * between medians and as the median of each round's own difference. On a
 * machine shared with other work, the CPU figures move less.
 *
 *   npx tsx bench/inspector.ts [events=500000] [partitions=4] [rounds=5]
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { MemoryLog, memoryTransport } from '../runtime/memory/index.ts';
import { createNode } from '../runtime/node.ts';
import { systemClock } from '../runtime/clock.ts';
import { pipelineStages, pipelineTables } from '../pipeline/stages.ts';
import { TOPICS } from '../pipeline/topics.ts';
import { stageCaughtUp, writePipelineLoad } from './pipeline-load.ts';
import { DEMO_QUERIES } from '../cli/demo.ts';
import { serveNodeInspector } from '../cli/node-server.ts';
import type { ActorList, LiveRequest, LiveUpdate } from '../runtime/inspector/api.ts';

type Mode = 'off' | 'unwatched' | 'watched';

/** What the watching client received, by update type. */
type Received = Record<string, number> & { windows: number };


interface Run {
  /** Events per second of wall-clock time. */
  readonly eventsPerSecond: number;
  /** Events per second of this process's CPU time (less moved by other work on the machine). */
  readonly eventsPerCpuSecond: number;
  readonly received: Received | null;
}

/** The medians of each mode, events/s of wall-clock time, and watched / unwatched (`inspector_cost_ratio`). */
export interface InspectorCost {
  readonly off: number;
  readonly unwatched: number;
  readonly watched: number;
  readonly watchedVsUnwatched: number;
}

/** Runs the rounds and prints every run and the medians (through `log`). */
export async function measureInspectorCost(events: number, partitions: number, rounds: number, log: (line: string) => void = console.log): Promise<InspectorCost> {
  const modes: Mode[] = ['off', 'unwatched', 'watched'];
  const runs: Record<Mode, Run[]> = { off: [], unwatched: [], watched: [] };
  log(`events: ${events}, partitions: ${partitions}, queries: ${DEMO_QUERIES.length}, rounds: ${rounds} (modes rotated each round, after one warm-up drain)`);
  await drain('unwatched', events, partitions);
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < modes.length; i++) {
      const mode = modes[(i + round) % modes.length]!;
      const run = await drain(mode, events, partitions);
      runs[mode].push(run);
      log(
        `round ${round + 1} ${mode.padEnd(9)} ${format(run.eventsPerSecond).padStart(9)} events/s, ${format(run.eventsPerCpuSecond).padStart(9)} events/CPU-s` +
          (run.received === null ? '' : `  (client received ${describe(run.received)})`),
      );
    }
  }
  const median = (values: readonly number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const change = (from: number, to: number): number => ((to - from) / from) * 100;
  const percent = (value: number): string => `${value >= 0 ? '+' : ''}${value.toFixed(1)} %`;
  for (const [unit, pick] of [['events/s', (run: Run) => run.eventsPerSecond], ['events/CPU-s', (run: Run) => run.eventsPerCpuSecond]] as const) {
    const [off, unwatched, watched] = modes.map((mode) => median(runs[mode].map(pick)));
    // The same round's runs side by side: drift of the machine between rounds cancels out.
    const paired = (from: Mode, to: Mode): number => median(runs[from].map((run, round) => change(pick(run), pick(runs[to][round]!))));
    log(`median ${unit}: off ${format(off!)}, unwatched ${format(unwatched!)}, watched ${format(watched!)}`);
    log(`  unwatched vs off: ${percent(change(off!, unwatched!))} (median of per-round differences ${percent(paired('off', 'unwatched'))})`);
    log(`  watched vs unwatched: ${percent(change(unwatched!, watched!))} (median of per-round differences ${percent(paired('unwatched', 'watched'))})`);
  }
  const [off, unwatched, watched] = modes.map((mode) => median(runs[mode].map((run) => run.eventsPerSecond))) as [number, number, number];
  return { off, unwatched, watched, watchedVsUnwatched: watched / unwatched };
}

const format = (value: number): string => Math.round(value).toLocaleString('en-US');

function describe(received: Received): string {
  return Object.entries(received).filter(([type]) => type !== 'windows').map(([type, count]) => `${count} ${type}`).join(', ') + `; ${received.windows} windows watched in turn`;
}

/** One drain of `events` written up front; events/s from node start until the aggregate stage caught up. */
async function drain(mode: Mode, events: number, partitions: number): Promise<Run> {
  const transport = memoryTransport(new MemoryLog(), { clientId: 'bench' });
  await writePipelineLoad(transport, events, partitions);

  const node = createNode({ transport, group: 'bench', stages: pipelineStages(['parse', 'match', 'aggregate'], { snapshotEveryMs: 5000 }), tables: pipelineTables(), clock: systemClock });
  const inspector = mode === 'off' ? null : await serveNodeInspector(node, { address: '127.0.0.1:0', transport });
  const watcher = mode === 'watched' ? await startWatcher(inspector!.url) : null;

  const caughtUp = (stage: string, topic: string): Promise<boolean> => stageCaughtUp(transport, node, stage, topic, partitions);
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  await node.start();
  let ingested = false;
  for (;;) {
    ingested ||= await caughtUp('ingest', TOPICS.raw);
    if (ingested && (await caughtUp('aggregate', TOPICS.matched))) break;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const received = watcher === null ? null : await watcher.stop();
  if (received !== null && (received.actor ?? 0) === 0) throw new Error(`the watching client saw no actor update (${describe(received)}): the watched run measured nothing`);
  await inspector?.close();
  await node.stop();
  await transport.close();
  return { eventsPerSecond: events / seconds, eventsPerCpuSecond: events / cpuSeconds, received };
}

/** Starts the watching client in a process of its own (the page runs elsewhere too) and waits until it watches. */
async function startWatcher(url: string): Promise<{ stop(): Promise<Received> }> {
  const loader = process.execArgv.length > 0 ? process.execArgv : ['--import', 'tsx'];
  const child = spawn(process.execPath, [...loader, fileURLToPath(import.meta.url), '--watch', url], { stdio: ['pipe', 'pipe', 'inherit'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  await new Promise<void>((resolve, reject) => {
    const check = (): void => {
      if (output.includes('watching\n')) resolve();
    };
    child.stdout!.on('data', check);
    void exited.then((code) => reject(new Error(`the watching client exited (${code}) before watching: ${output}`)));
  });
  return {
    async stop() {
      child.stdin!.end();
      await exited;
      const last = output.trim().split('\n').at(-1)!;
      return JSON.parse(last) as Received;
    },
  };
}

/** The watching client: what the page asks for, until its stdin closes; then prints what it received as JSON. */
async function watch(url: string): Promise<void> {
  const received: Received = { windows: 0 } as Received;
  const socket = new WebSocket(`${url.replace(/^http/, 'ws')}api/live`);
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  let actor: string | undefined;
  let tree: string | undefined;
  let finding = false;
  const request = (): void => socket.send(JSON.stringify({ type: 'watch', cluster: true, ...(tree === undefined ? {} : { actors: tree }), ...(actor === undefined ? {} : { actor }) } satisfies LiveRequest));
  // A person picks an open window from the tree and opens it; when it is gone, another.
  const findWindow = async (): Promise<void> => {
    if (finding) return;
    finding = true;
    try {
      const list = (await (await fetch(new URL('api/actors?machine=window&state=open&limit=1', url))).json()) as ActorList;
      const found = list.actors[0];
      if (found !== undefined && found.id !== actor) {
        actor = found.id;
        // The tree of the window's partition, expanded at its supervisor.
        const root = `${found.stage}/${found.partition}`;
        tree = new URLSearchParams({ stage: found.stage, partition: String(found.partition), parent: root }).toString();
        received.windows++;
        request();
      }
    } finally {
      finding = false;
    }
  };
  socket.on('message', (data) => {
    const update = JSON.parse(String(data)) as LiveUpdate;
    received[update.type] = (received[update.type] ?? 0) + 1;
    if (update.type === 'actor.gone') void findWindow();
    if (update.type === 'error') process.stderr.write(`watching client: the server said: ${update.error}\n`);
  });
  request();
  const finder = setInterval(() => {
    if (actor === undefined) void findWindow();
  }, 200);
  process.stdout.write('watching\n');
  await new Promise<void>((resolve) => {
    process.stdin.resume();
    process.stdin.once('end', () => resolve());
  });
  clearInterval(finder);
  socket.close();
  process.stdout.write(`${JSON.stringify(received)}\n`);
}

// Last, so that every declaration above is initialised when either runs.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv[2] === '--watch') await watch(process.argv[3]!);
  else await measureInspectorCost(Number(process.argv[2] ?? 500_000), Number(process.argv[3] ?? 4), Number(process.argv[4] ?? 5));
}
