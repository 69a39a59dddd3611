import test from 'ava';
import { ManualClock, MemoryLog, memoryTransport } from 'eventide';
import { rateLimitHandover } from '../helpers/rate-limit-scenario.ts';
import { T0 } from '../helpers/pipeline-fixture.ts';

test('rate-limit on the memory transport: one alert per key and window over its limit, across a handover', async (t) => {
  const log = new MemoryLog();
  const admin = memoryTransport(log, { clientId: 'test' });
  t.teardown(() => admin.close());
  await rateLimitHandover(t, { admin, transportFor: (nodeId) => memoryTransport(log, { clientId: nodeId }), clock: new ManualClock(T0), group: 'examples' });
});
