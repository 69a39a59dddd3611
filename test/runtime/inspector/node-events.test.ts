import test from 'ava';
import { Instrumentation } from '../../../runtime/instrumentation.ts';
import { silentLogger } from '../../../runtime/logger.ts';
import { NodeEvents } from '../../../runtime/inspector/node-events.ts';
import type { RestoreReport } from '../../../runtime/partition/restorer.ts';

const report = (overrides: Partial<RestoreReport>): RestoreReport => ({
  from: 'snapshot', seq: 3, offset: 120, ageMs: 900, bytes: 2048, durationMs: 41, markers: 0, snapshotRecordsRead: 12, warm: false,
  ignored: { incomplete: 0, corrupt: 0, markers: 0 }, ...overrides,
});

test('a restore line says how the partition came: released, fenced, lost or from a standby', (t) => {
  const instrumentation = new Instrumentation({ logger: silentLogger });
  const events = new NodeEvents('n1', instrumentation, () => 0);
  const restored = (partition: number, overrides: Partial<RestoreReport>) => instrumentation.emit('partition.restored', { stage: 'aggregate', partition, report: report(overrides) });
  restored(0, { handOver: 'clean', releaseWaitMs: 34, replayed: 0 });
  restored(1, { handOver: 'fenced', releaseWaitMs: 30_000, replayed: null });
  restored(2, { handOver: 'lost', replayed: null });
  restored(3, { handOver: 'standby', warm: true, snapshotRecordsRead: 0, replayed: null });
  restored(4, { handOver: 'first', from: 'earliest', seq: null });
  t.deepEqual(events.list().reverse().map((event) => event.text), [
    'restored aggregate[0] from snapshot 3 in 41 ms; released by its last owner (waited 34 ms), 0 records replayed',
    'restored aggregate[1] from snapshot 3 in 41 ms; its last owner did not release it in 30000 ms: fenced',
    'restored aggregate[2] from snapshot 3 in 41 ms; its last owner stopped without releasing it: fenced, the input after the snapshot replayed',
    "restored aggregate[3] from snapshot 3 in 41 ms; taken over from this node's standby (0 snapshot records read)",
    'restored aggregate[4] from earliest in 41 ms',
  ]);
  events.close();
});
