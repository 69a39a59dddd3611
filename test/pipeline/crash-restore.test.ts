/**
 * Crash and restore: the pipeline is killed abruptly (no final snapshot, open
 * transactions left behind) at the Nth write operation of one of its nodes,
 * a replacement takes over, and the results must be exactly those of an
 * uninterrupted run: none lost, none published twice, no event counted twice.
 *
 * Crash points are drawn by fast-check over every write operation a run
 * makes (sends, transactional sends, sendOffsets, commits), so they fall
 * before and after snapshots, inside publish transactions, and between a
 * batch's outputs and its offset commit.
 */
import test, { type ExecutionContext } from 'ava';
import fc from 'fast-check';
import { HAND_OVERS, PipelineFixture, generateEvents, resultKey, type CrashingNode, type NodeEntry } from '../helpers/pipeline-fixture.ts';
import type { HandOver } from '../../runtime/memory/index.ts';
import { STANDARD_QUERIES, compareResults, expectedResults } from '../helpers/expected-results.ts';
import type { Role } from '../../pipeline/stages.ts';
import type { WindowResult } from '../../protocols/result/index.ts';

// Event time runs up to the clock's start, as for a live source: the last windows close on idle ticks soon after the input ends.
const SPAN_MS = 4 * 60_000;
const EVENTS = generateEvents(600, SPAN_MS, 11).map((event) => ({ ...event, timestamp: event.timestamp - SPAN_MS }));
const ROUNDS = 4;
const EXPECTED = expectedResults(STANDARD_QUERIES, EVENTS);
const SEED = Number(process.env.EVENTIDE_SEED ?? 20_240_611);

const LAYOUTS = {
  fused: [['parse', 'match', 'aggregate']],
  split: [['parse'], ['match'], ['aggregate']],
  /** Two aggregate nodes: when one dies, the other takes its partitions over (no replacement). */
  scaled: [['parse', 'match'], ['aggregate'], ['aggregate']],
} as const satisfies Record<string, readonly (readonly Role[])[]>;

interface Scenario {
  /** How the memory log hands partitions over (the new owner may not wait for the old one). */
  readonly handOver: HandOver;
  readonly layout: keyof typeof LAYOUTS;
  /** The role whose node crashes. */
  readonly victim: Role;
  /** Crash the victim's node at this write operation; each replacement crashes at the next point. */
  readonly crashes: readonly number[];
  /** Clock time that passes between a crash and the replacement's start. */
  readonly gapMs: number;
  /** Count only the operations of transactions holding this (e.g. publications). */
  readonly within?: 'publish' | 'snapshot' | 'outputs';
}

interface Run {
  readonly results: WindowResult[];
  readonly deadLetters: string[];
  /** Write operations of each first node, by role (all of them when it did not crash). */
  readonly operations: Readonly<Partial<Record<Role, number>>>;
  readonly crashedAt: (string | null)[];
  readonly restoredFromSnapshot: number;
  /** Write operations of the first victim's publish transactions. */
  readonly publishOperations: number;
}

/**
 * Each round also brings records that must become dead letters exactly once,
 * whoever crashes: a raw batch that is not JSON (parse or ingest writes its
 * letter with the batch's offset commit) and matched events of an unknown
 * query (aggregate writes its letter with its next snapshot or publication).
 */
async function produceBadRecords(fixture: PipelineFixture, round: number): Promise<void> {
  await fixture.produceRaw(round % 3, Buffer.from(`[{"eventType":"PageView","round":${round}`));
  await fixture.produceMatched(`unknown-${round}`, [EVENTS[0]!], { topic: 'events.raw', partition: round % 3, partitions: 3 });
}

const expectedDeadLetters = (layout: keyof typeof LAYOUTS): string[] =>
  Array.from({ length: ROUNDS }, (_, round) => [`${layout === 'split' ? 'parse' : 'ingest'}/malformed-json/${round % 3}`, `aggregate/unknown-query/unknown-${round}`]).flat().sort();

/** Runs the pipeline over EVENTS in rounds, crashing as the scenario says, until every expected result is out and nothing more comes. */
async function runPipeline(scenario: Scenario): Promise<Run> {
  const fixture = new PipelineFixture({ snapshotEveryMs: 2000, snapshotEveryRecords: 4, tickMs: 1000, idleTimeoutMs: 10_000 }, { handOver: scenario.handOver });
  try {
    await fixture.createTopics(3, 4);
    await fixture.addQueries(STANDARD_QUERIES);
    const victims: CrashingNode[] = [];
    const first: CrashingNode[] = [];
    for (const roles of LAYOUTS[scenario.layout]) {
      const isVictim = roles.includes(scenario.victim as never) && victims.length === 0;
      const node = await fixture.startCrashingNode(roles, isVictim ? scenario.crashes[0] ?? Infinity : Infinity, isVictim && scenario.within ? { within: scenario.within } : {});
      first.push(node);
      if (isVictim) victims.push(node);
    }
    let restoredFromSnapshot = 0;
    const replaceCrashed = async (): Promise<void> => {
      const last = victims[victims.length - 1]!;
      if (!last.crashed() || scenario.layout === 'scaled') return;
      if (scenario.gapMs > 0) await fixture.clock.advance(scenario.gapMs);
      const next = await fixture.startCrashingNode(last.roles, scenario.crashes[victims.length] ?? Infinity, scenario.within ? { within: scenario.within } : {});
      victims.push(next);
    };
    await fixture.produceInRounds(EVENTS, ROUNDS, { meanwhile: replaceCrashed, beforeRound: (round) => produceBadRecords(fixture, round) });
    await fixture.publishAll(EXPECTED.size, replaceCrashed);
    for (const { node } of fixture.liveNodes()) {
      restoredFromSnapshot += node.partitions().filter((host) => host.restore?.from === 'snapshot').length;
    }
    return {
      results: await fixture.results(),
      deadLetters: (await fixture.deadLetters()).map((letter) => `${letter.stage}/${letter.reason}/${letter.reason === 'unknown-query' ? (/no running query (\S+)/.exec(letter.message)?.[1] ?? letter.message) : letter.source.partition}`).sort(),
      operations: Object.fromEntries(first.flatMap((node) => node.roles.map((role) => [role, node.operations()]))),
      crashedAt: victims.map((victim) => victim.crashedIn()),
      publishOperations: victims[0]!.operationsWithin('publish'),
      restoredFromSnapshot,
    };
  } finally {
    await fixture.stop();
  }
}

/** Results in a canonical order, sums rounded: a replay may add the same numbers in other batches, which moves the last bits. */
const canonical = (results: readonly WindowResult[]) =>
  [...results]
    .sort((a, b) => resultKey(a).localeCompare(resultKey(b)))
    .map(({ queryId, windowStart, windowEnd, facet, values, events, complete }) => ({
      queryId,
      windowStart,
      windowEnd,
      facet,
      events,
      complete,
      values: Object.fromEntries(Object.entries(values).map(([name, value]) => [name, typeof value === 'number' ? Number(value.toFixed(9)) : value])),
    }));

const uninterrupted = new Map<HandOver, Promise<Run>>();
async function uninterruptedRun(layout: keyof typeof LAYOUTS, handOver: HandOver): Promise<Run> {
  if (layout !== 'fused') return runPipeline({ handOver, layout, victim: 'aggregate', crashes: [], gapMs: 0 });
  if (!uninterrupted.has(handOver)) uninterrupted.set(handOver, runPipeline({ handOver, layout, victim: 'aggregate', crashes: [], gapMs: 0 }));
  return uninterrupted.get(handOver)!;
}

function checkRun(t: ExecutionContext, run: Run, reference: Run, label: string, layout: keyof typeof LAYOUTS): boolean {
  const problems = compareResults(run.results, EXPECTED);
  const letters = expectedDeadLetters(layout);
  const lettersRight = JSON.stringify(run.deadLetters) === JSON.stringify(letters);
  if (problems.length > 0 || !lettersRight) {
    t.fail(`${label} (crashed at ${JSON.stringify(run.crashedAt)}): dead letters ${lettersRight ? 'as expected' : `${JSON.stringify(run.deadLetters)}, expected ${JSON.stringify(letters)}`}; ${problems.slice(0, 8).join('; ')}`);
    return false;
  }
  t.deepEqual(canonical(run.results), canonical(reference.results), `${label}: same results as the uninterrupted run`);
  return true;
}

async function explore(t: ExecutionContext, handOver: HandOver, layout: keyof typeof LAYOUTS, victims: readonly Role[], numRuns: number, gaps: readonly number[]): Promise<void> {
  const reference = await uninterruptedRun(layout, handOver);
  // Crash points range over the victim's writes in an uninterrupted run, and a little past them (no crash at all).
  const scenario = fc.constantFrom(...victims).chain((victim) =>
    fc.record({
      victim: fc.constant(victim),
      crashes: fc.array(fc.integer({ min: 1, max: Math.ceil((reference.operations[victim] ?? 1) * 1.1) }), { minLength: 1, maxLength: 2 }),
      gapMs: fc.constantFrom(...gaps),
    }),
  );
  const explored: string[] = [];
  await fc.assert(
    fc.asyncProperty(scenario, async ({ victim, crashes, gapMs }) => {
      const run = await runPipeline({ handOver, layout, victim, crashes, gapMs });
      explored.push(...run.crashedAt.filter((where): where is string => where !== null).map((where) => `${victim}: ${where}`));
      return checkRun(t, run, reference, `${handOver}, ${layout}, ${victim} crashes at write ${crashes.join(' then ')} (+${gapMs} ms)`, layout);
    }),
    { numRuns, seed: SEED, endOnFailure: true },
  );
  const tally = new Map<string, number>();
  for (const where of explored) tally.set(where, (tally.get(where) ?? 0) + 1);
  t.log(`${numRuns} runs, ${explored.length} crashes: ${[...tally].sort().map(([where, count]) => `${count}× ${where}`).join(', ')}`);
}

// Every scenario once per hand-over mode: in 'eager', a replacement or survivor may take a partition while its old owner still writes.
for (const handOver of HAND_OVERS) {
  test(`${handOver}: an uninterrupted run publishes exactly the expected results`, async (t) => {
    const run = await uninterruptedRun('fused', handOver);
    t.deepEqual(compareResults(run.results, EXPECTED), []);
    t.is(run.results.length, EXPECTED.size);
    t.true(run.results.every((result) => result.complete));
    t.deepEqual(run.deadLetters, expectedDeadLetters('fused'), 'each bad record is dead-lettered once');
    t.log(`${run.operations.aggregate} write operations in an uninterrupted fused run`);
  });

  test(`${handOver}: a fused node killed at any write and replaced loses nothing and publishes nothing twice`, async (t) => {
    await explore(t, handOver, 'fused', ['aggregate'], 25, [0, 3000, 60_000]);
  });

  test(`${handOver}: any one of separate parse, match and aggregate nodes killed at any write: the results are exact`, async (t) => {
    await explore(t, handOver, 'split', ['parse', 'match', 'aggregate'], 25, [0, 3000]);
  });

  test(`${handOver}: one of two aggregate nodes killed at any write: the survivor takes its partitions over and the results are exact`, async (t) => {
    await explore(t, handOver, 'scaled', ['aggregate'], 15, [0]);
  });

  test(`${handOver}: killed inside any publish transaction (before its records, its marker, or its commit), the window is published once`, async (t) => {
    const reference = await uninterruptedRun('fused', handOver);
    // Publications are few next to snapshots and outputs: count only their operations.
    const publishOperations = reference.publishOperations;
    const explored: string[] = [];
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: publishOperations }), { minLength: 1, maxLength: 2 }), fc.constantFrom(0, 60_000), async (crashes, gapMs) => {
        const run = await runPipeline({ handOver, layout: 'fused', victim: 'aggregate', crashes, gapMs, within: 'publish' });
        explored.push(...run.crashedAt.filter((where): where is string => where !== null));
        return checkRun(t, run, reference, `${handOver}, fused, crash at publish operation ${crashes.join(' then ')} (+${gapMs} ms)`, 'fused');
      }),
      { numRuns: 15, seed: SEED, endOnFailure: true },
    );
    t.true(explored.length >= 10, `most runs crashed inside a publication (${explored.length})`);
    t.log(`${publishOperations} publish-transaction operations in an uninterrupted run; ${explored.length} crashes inside publish transactions: ${explored.join(', ')}`);
  });
}
