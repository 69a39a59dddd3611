/**
 * The rate-limit example's specification, run on the memory transport and on
 * Kafka: limits from the table, requests in over a handover between two
 * nodes, exactly the alerts computed here out, and a late request
 * dead-lettered.
 */
import type { ExecutionContext } from 'ava';
import { decodeDeadLetter } from 'eventide';
import type { RateAlert, Request } from '../../examples/rate-limit/rate-limit-machine.ts';
import { decodeAlert, rateLimitStage, rateLimitTopics, limitsTable, RATE_TOPICS } from '../../examples/rate-limit/stage.ts';
import { seededRandom, waitFor } from './pipeline-fixture.ts';
import { advanceUntil, produceKeyed, readValues, startExampleNode, stopExampleNode, waitUntilCaughtUp, type ExampleEnvironment } from './example-nodes.ts';

const WINDOW_MS = 10_000;
const DEFAULT_LIMIT = 10;
const LIMITS: Readonly<Record<string, number>> = { vip: 50 };

/** Time-ordered requests over a minute: `noisy` passes the default limit, `vip` stays under its own, `quiet` under the default. */
export function generateRequests(count: number, from: number, seed = 5): Request[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, (_, i) => {
    const draw = random();
    return { apiKey: draw < 0.5 ? 'noisy' : draw < 0.85 ? 'vip' : 'quiet', at: from + Math.floor((i * 60_000) / count) };
  });
}

/** One alert per key and window whose count passes the key's limit, at the request that passed it. */
export function expectedAlerts(requests: readonly Request[]): RateAlert[] {
  const counts = new Map<string, number>();
  const alerts: RateAlert[] = [];
  for (const request of requests) {
    const windowStart = Math.floor(request.at / WINDOW_MS) * WINDOW_MS;
    const key = `${request.apiKey}@${windowStart}`;
    const count = (counts.get(key) ?? 0) + 1;
    counts.set(key, count);
    const limit = LIMITS[request.apiKey] ?? DEFAULT_LIMIT;
    if (count === limit + 1) alerts.push({ apiKey: request.apiKey, windowStart, limit, count });
  }
  return alerts;
}

const alertOrder = (a: RateAlert, b: RateAlert): number => a.apiKey.localeCompare(b.apiKey) || a.windowStart - b.windowStart;

export async function rateLimitHandover(t: ExecutionContext, env: ExampleEnvironment): Promise<void> {
  const stage = rateLimitStage({ windowMs: WINDOW_MS, defaultLimit: DEFAULT_LIMIT });
  await env.admin.admin().createTopics(rateLimitTopics(3));
  await env.admin.producer().send(Object.entries(LIMITS).map(([apiKey, limit]) => ({ topic: RATE_TOPICS.limits, partition: 0, key: apiKey, value: Buffer.from(String(limit)) })));
  const requests = generateRequests(240, Math.floor(env.clock.now() / 60_000) * 60_000);
  const expected = expectedAlerts(requests).sort(alertOrder);
  t.true(expected.some((alert) => alert.apiKey === 'noisy') && !expected.some((alert) => alert.apiKey !== 'noisy'), 'only noisy passes its limit');

  const half = requests.length / 2;
  await produceKeyed(env, RATE_TOPICS.requests, requests.slice(0, half), (request) => request.apiKey);
  const first = await startExampleNode(env, 'node-a', [stage], [limitsTable]);
  await waitUntilCaughtUp(env, first.node, stage);
  await stopExampleNode(first);

  const second = await startExampleNode(env, 'node-b', [stage], [limitsTable]);
  t.teardown(() => stopExampleNode(second));
  await waitUntilCaughtUp(env, second.node, stage);
  t.deepEqual(second.node.partitions().map((host) => host.restore?.from), ['snapshot', 'snapshot', 'snapshot']);
  const late: Request = { apiKey: 'quiet', at: requests[0]!.at };
  await produceKeyed(env, RATE_TOPICS.requests, [...requests.slice(half), late], (request) => request.apiKey);
  await waitUntilCaughtUp(env, second.node, stage);

  const alerts = (): Promise<RateAlert[]> => readValues(env, RATE_TOPICS.alerts, decodeAlert);
  await waitFor(async () => (await alerts()).length >= expected.length, () => `${expected.length} alerts`, 60_000);
  t.deepEqual((await alerts()).sort(alertOrder), expected, 'one alert per key and window over the limit, none twice');
  // A stateful stage writes its dead letters with its next publication or snapshot: let the snapshot interval pass.
  const letters = async () => (await readValues(env, RATE_TOPICS.deadletter, decodeDeadLetter)).filter((letter) => letter.stage === 'rate-limit');
  await advanceUntil(env, async () => (await letters()).length > 0, async () => 'the late request to be dead-lettered');
  t.deepEqual((await letters()).map((letter) => [letter.reason, JSON.parse(letter.original!.toString())]), [['late', late]]);
}
