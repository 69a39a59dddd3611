/**
 * The sessionize example's specification, run on the memory transport and on
 * Kafka: clicks go in, a node stops halfway, another takes over from the
 * snapshots, and exactly the sessions computed here, independently of the
 * example, come out.
 */
import type { ExecutionContext } from 'ava';
import { decodeDeadLetter } from 'eventide';
import { sessionizeStage, sessionTopics, decodeSession, SESSION_TOPICS } from '../../examples/sessionize/stage.ts';
import type { Click, Session } from '../../examples/sessionize/session-machine.ts';
import { seededRandom } from './pipeline-fixture.ts';
import { advanceUntil, produceKeyed, readValues, startExampleNode, stopExampleNode, waitUntilCaughtUp, type ExampleEnvironment } from './example-nodes.ts';

export const GAP_MS = 60_000;

/** Time-ordered clicks of `users` users over about `count * 8` seconds ending before `end`. */
export function generateClicks(count: number, users: number, end: number, seed = 3): Click[] {
  const random = seededRandom(seed);
  const clicks: Click[] = [];
  let at = end - count * 8000 - 60_000;
  for (let i = 0; i < count; i++) {
    at += Math.floor(random() * 16_000);
    clicks.push({ user: `user-${Math.floor(random() * users)}`, at, page: `/page/${Math.floor(random() * 5)}` });
  }
  return clicks;
}

/** Sessions by the definition: a user's clicks in time order, split where two are more than the gap apart. */
export function expectedSessions(clicks: readonly Click[], gapMs: number): Session[] {
  const byUser = new Map<string, number[]>();
  for (const click of clicks) byUser.set(click.user, [...(byUser.get(click.user) ?? []), click.at]);
  const sessions: Session[] = [];
  for (const [user, times] of byUser) {
    times.sort((a, b) => a - b);
    let start = times[0]!;
    let count = 0;
    let last = start;
    for (const at of times) {
      if (at - last > gapMs) {
        sessions.push({ user, start, end: last, clicks: count, durationMs: last - start });
        start = at;
        count = 0;
      }
      last = at;
      count++;
    }
    sessions.push({ user, start, end: last, clicks: count, durationMs: last - start });
  }
  return sessions;
}

export const sessionOrder = (a: Session, b: Session): number => a.user.localeCompare(b.user) || a.start - b.start;

/**
 * Node A reads the first part of the clicks and stops (its final snapshots);
 * node B takes every partition over, restores from those snapshots, reads the
 * rest, and ticks end the last sessions.
 */
export async function sessionizeHandover(t: ExecutionContext, env: ExampleEnvironment): Promise<void> {
  const stage = sessionizeStage({ gapMs: GAP_MS, tickMs: 1000 });
  await env.admin.admin().createTopics(sessionTopics(3));
  const clicks = generateClicks(400, 12, env.clock.now());
  const handoverAt = 240;
  const expected = expectedSessions(clicks, GAP_MS).sort(sessionOrder);
  const spanning = expected.filter((session) => session.start <= clicks[handoverAt - 1]!.at && session.end >= clicks[handoverAt]!.at);
  t.true(spanning.length > 0, 'some sessions have clicks on both sides of the handover');

  await produceKeyed(env, SESSION_TOPICS.clicks, clicks.slice(0, handoverAt), (click) => click.user);
  await env.admin.producer().send([{ topic: SESSION_TOPICS.clicks, partition: 0, key: 'user-0', value: Buffer.from('{"user": "user-0", "at": ') }]);
  const first = await startExampleNode(env, 'node-a', [stage]);
  await waitUntilCaughtUp(env, first.node, stage);
  await stopExampleNode(first);

  const second = await startExampleNode(env, 'node-b', [stage]);
  t.teardown(() => stopExampleNode(second));
  await waitUntilCaughtUp(env, second.node, stage);
  const restores = second.node.partitions().map((host) => host.restore?.from);
  t.deepEqual(restores, ['snapshot', 'snapshot', 'snapshot'], 'node B restored every partition from node A’s snapshots');

  await produceKeyed(env, SESSION_TOPICS.clicks, clicks.slice(handoverAt), (click) => click.user);
  await waitUntilCaughtUp(env, second.node, stage);
  const sessions = (): Promise<Session[]> => readValues(env, SESSION_TOPICS.sessions, decodeSession);
  await advanceUntil(env, async () => (await sessions()).length >= expected.length, async () => `${(await sessions()).length} of ${expected.length} sessions`);
  await second.node.idle();

  const published = (await sessions()).sort(sessionOrder);
  t.deepEqual(published, expected, 'every session once, with its clicks and duration');
  for (const session of spanning) t.true(published.some((candidate) => candidate.user === session.user && candidate.start === session.start && candidate.clicks === session.clicks));
  const letters = await readValues(env, SESSION_TOPICS.deadletter, decodeDeadLetter);
  t.deepEqual(letters.filter((letter) => letter.stage === 'sessionize').map((letter) => [letter.reason, letter.source.topic]), [['malformed-click', SESSION_TOPICS.clicks]]);
}
