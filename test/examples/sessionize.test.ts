import test from 'ava';
import { ManualClock, MemoryLog, memoryTransport } from 'eventide';
import { sessionizeHandover } from '../helpers/sessionize-scenario.ts';
import { T0 } from '../helpers/pipeline-fixture.ts';

test('sessionize on the memory transport: exact sessions, carried over a handover by snapshots', async (t) => {
  const log = new MemoryLog();
  const admin = memoryTransport(log, { clientId: 'test' });
  t.teardown(() => admin.close());
  await sessionizeHandover(t, { admin, transportFor: (nodeId) => memoryTransport(log, { clientId: nodeId }), clock: new ManualClock(T0), group: 'examples' });
});
