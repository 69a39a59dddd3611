import test from 'ava';
import { ManualClock } from '../../../runtime/clock.ts';
import { awaitRelease, leftAs, parseRelease, releaseMetadata } from '../../../runtime/partition/release.ts';
import type { OffsetCommit } from '../../../protocols/transport.ts';

test('a release reads back from the metadata it is committed with; other metadata is no release', (t) => {
  t.deepEqual(parseRelease(releaseMetadata({ node: 'a', generation: 7 })), { node: 'a', generation: 7 });
  for (const other of [null, undefined, '', 'eventide-release {', 'eventide-release {"node":1,"generation":2}', 'something else']) t.is(parseRelease(other), null, String(other));
});

test('how a partition was left: released, committed without a release, or never committed', (t) => {
  t.is(leftAs(undefined), 'first');
  t.is(leftAs({ offset: 10, metadata: null }), 'lost');
  t.is(leftAs({ offset: 10, metadata: releaseMetadata({ node: 'a', generation: 3 }) }), 'clean');
});

test('a new owner waits until the releasing node commits its release for this generation, not an older one', async (t) => {
  const clock = new ManualClock(0);
  let commit: OffsetCommit | undefined = { offset: 40, metadata: releaseMetadata({ node: 'a', generation: 4 }) };
  let polls = 0;
  const waiting = awaitRelease({ committed: async () => (polls++, commit), from: { node: 'a', generation: 5 }, timer: clock, timeoutMs: 10_000, pollMs: 50 });
  for (let i = 0; i < 3; i++) await clock.advance(50);
  t.true(polls >= 3, 'it polls the committed offset');
  commit = { offset: 55, metadata: releaseMetadata({ node: 'b', generation: 5 }) };
  await clock.advance(50);
  commit = { offset: 60, metadata: releaseMetadata({ node: 'a', generation: 5 }) };
  await clock.advance(50);
  t.deepEqual(await waiting, { offset: 60, metadata: releaseMetadata({ node: 'a', generation: 5 }) });
});

test('without a release within the bound, the wait gives up (the new owner fences)', async (t) => {
  const clock = new ManualClock(0);
  const waiting = awaitRelease({ committed: async () => ({ offset: 3, metadata: null }), from: { node: 'a', generation: 2 }, timer: clock, timeoutMs: 1000, pollMs: 100 });
  await clock.advance(1100);
  t.is(await waiting, null);
});
