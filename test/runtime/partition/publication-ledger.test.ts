import test from 'ava';
import type { PublishMarker } from '../../../protocols/snapshot/index.ts';
import { COMMITTED_KEPT, PublicationLedger } from '../../../runtime/partition/publication-ledger.ts';

const marker = (key: string, nextOffset: number): PublishMarker => ({ stage: 'aggregate', partition: 0, key, nextOffset, publishedAt: 1_700_000_000_000 });

/** Markers as a restore finds them: `before` precede the snapshot, `after` follow it. */
function ledger(before: PublishMarker[] = [], after: PublishMarker[] = []): PublicationLedger {
  return new PublicationLedger({ markersAfter: after, markersByKey: new Map([...before, ...after].map((m) => [m.key, m])) });
}

test('a new key is pending, written once, and durable after its commit', (t) => {
  const publications = ledger();
  t.deepEqual(publications.request('q1/0', false), { kind: 'write' });
  t.is(publications.pending, 1);
  t.deepEqual(publications.committed('q1/0', 120), { key: 'q1/0', nextOffset: 120 });
  t.is(publications.pending, 0);
  t.deepEqual(publications.request('q1/0', false), { kind: 'durable', notice: { key: 'q1/0', nextOffset: 120 } }, 'committed since this host started: acknowledged, never written again');
});

test('the ledger remembers the last COMMITTED_KEPT commits of this host, not every one it ever made; restored markers stay', (t) => {
  const publications = ledger([], [marker('restored/0', 5)]);
  for (let i = 0; i <= COMMITTED_KEPT; i++) {
    publications.request(`q/${i}`, false);
    publications.committed(`q/${i}`, i);
  }
  t.is(publications.durable, COMMITTED_KEPT + 1);
  t.deepEqual(publications.request(`q/${COMMITTED_KEPT}`, false), { kind: 'durable', notice: { key: `q/${COMMITTED_KEPT}`, nextOffset: COMMITTED_KEPT } });
  t.deepEqual(publications.request('restored/0', false), { kind: 'durable', notice: { key: 'restored/0', nextOffset: 5 } });
  t.deepEqual(publications.request('q/0', false), { kind: 'write' }, 'the oldest commit is forgotten');
});

test('a key requested again while it is being written is a duplicate, not a second write', (t) => {
  const publications = ledger();
  publications.request('q1/0', false);
  t.deepEqual(publications.request('q1/0', false), { kind: 'duplicate' });
  t.deepEqual(publications.request('q1/0', true), { kind: 'duplicate' });
  t.is(publications.pending, 1);
});

test('markers after the restored snapshot are durable for the host’s whole life and are told in eventide.restored', (t) => {
  const publications = ledger([], [marker('q1/0', 100), marker('q1/60000', 150)]);
  t.deepEqual(publications.restoredNotices, [{ key: 'q1/0', nextOffset: 100 }, { key: 'q1/60000', nextOffset: 150 }]);
  publications.restoreHandled();
  t.deepEqual(publications.request('q1/60000', false), { kind: 'durable', notice: { key: 'q1/60000', nextOffset: 150 } });
  t.is(publications.pending, 0);
});

test('a marker before the snapshot answers a request made while the actor handles eventide.restored, and only then', (t) => {
  const publications = ledger([marker('pending-at-snapshot', 90), marker('long-ago', 10)]);
  t.deepEqual(publications.restoredNotices, [], 'markers before the snapshot are not announced');
  t.deepEqual(publications.request('pending-at-snapshot', true), { kind: 'durable', notice: { key: 'pending-at-snapshot', nextOffset: 90 } });
  publications.restoreHandled();
  t.deepEqual(publications.request('pending-at-snapshot', false), { kind: 'durable', notice: { key: 'pending-at-snapshot', nextOffset: 90 } }, 'once acknowledged it stays durable');
  t.deepEqual(publications.request('long-ago', false), { kind: 'write' }, 'outside eventide.restored a marker before the snapshot is not consulted');
});

test('replayed input is what lies below the highest marker offset after the snapshot', (t) => {
  const publications = ledger([marker('before', 500)], [marker('a', 120), marker('b', 180), marker('c', 150)]);
  t.is(publications.replayedThrough, 180);
  t.true(publications.isReplayed(179));
  t.false(publications.isReplayed(180));
  const fresh = ledger([marker('before', 500)]);
  t.is(fresh.replayedThrough, -1, 'markers before the snapshot do not make input replayed');
  t.false(fresh.isReplayed(0));
});
