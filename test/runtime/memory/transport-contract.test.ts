import { randomUUID } from 'node:crypto';
import test from 'ava';
import { MemoryLog, memoryTransport, type MemoryTransport } from '../../../runtime/memory/index.ts';
import { transportContractTests } from '../../helpers/transport-contract.ts';

transportContractTests(test, 'memory', async () => {
  const log = new MemoryLog();
  const nodes: MemoryTransport[] = [];
  const node = (): MemoryTransport => {
    const transport = memoryTransport(log, { clientId: `node-${nodes.length}` });
    nodes.push(transport);
    return transport;
  };
  return {
    transport: node(),
    second: node,
    topic: (base) => `${base}-${randomUUID().slice(0, 8)}`,
    teardown: async () => {
      await Promise.all(nodes.map((transport) => transport.close()));
    },
  };
});
