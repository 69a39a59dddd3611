import { randomUUID } from 'node:crypto';
import test from 'ava';
import { MemoryLog, memoryTransport, type HandOver, type MemoryTransport } from '../../../runtime/memory/index.ts';
import { transportContractTests } from '../../helpers/transport-contract.ts';

// The contract once per hand-over mode: the memory log's default, and the eager one that behaves as kafkajs does.
for (const handOver of ['revoke-first', 'eager'] as const satisfies readonly HandOver[]) {
  transportContractTests(
    test,
    `memory (${handOver})`,
    async () => {
      const log = new MemoryLog({ handOver });
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
        expel: async (groupId, memberId) => {
          if (!log.group(groupId).expel(memberId)) throw new Error(`${memberId} is not a member of ${groupId}`);
        },
        teardown: async () => {
          await Promise.all(nodes.map((transport) => transport.close()));
        },
      };
    },
    { handOver },
  );
}
