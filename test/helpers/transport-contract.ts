/**
 * The transport contract suite: one set of ava tests that every `Transport`
 * implementation must pass (memory and kafka). It uses only the `Transport`
 * interface, waits for conditions rather than for time, and gives every
 * test its own topics and groups so tests may share a cluster.
 *
 * @example
 * // test/runtime/memory/transport-contract.test.ts
 * transportContractTests(test, 'memory', async () => {
 *   const log = new MemoryLog();
 *   const nodes = [memoryTransport(log)];
 *   return {
 *     transport: nodes[0],
 *     second: () => { const node = memoryTransport(log); nodes.push(node); return node; },
 *     topic: (base) => `${base}-${randomUUID()}`,
 *     expel: async (groupId, memberId) => { log.group(groupId).expel(memberId); },
 *     teardown: async () => { await Promise.all(nodes.map((n) => n.close())); },
 *   };
 * }, { handOver: 'revoke-first' });
 */
import type { TestFn } from 'ava';
import { contractTest, type ContractSetup, type ContractTraits } from './transport-contract/context.ts';
import { registerGroupTests } from './transport-contract/groups.ts';
import { registerHandOverTests } from './transport-contract/hand-overs.ts';
import { registerProduceAndReadTests } from './transport-contract/produce-and-read.ts';
import { registerTransactionTests } from './transport-contract/transactions.ts';

export type { ContractCluster, ContractSetup, ContractTraits } from './transport-contract/context.ts';

/**
 * Registers the contract tests, titled `<name>: <behaviour>`. `setup` runs
 * once per test and must return a fresh view of one cluster: `transport` and
 * `second()` act as two nodes; `expel` removes a member from its group as a
 * session timeout would; `teardown` closes every transport it created.
 * `traits` say how the transport hands partitions over, which the suite checks.
 */
export function transportContractTests(test: TestFn, name: string, setup: ContractSetup, traits: ContractTraits): void {
  const contract = contractTest(test, name, setup);
  registerProduceAndReadTests(contract);
  registerTransactionTests(contract);
  registerGroupTests(contract);
  registerHandOverTests(contract, traits);
}
