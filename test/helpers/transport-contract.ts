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
 *     teardown: async () => { await Promise.all(nodes.map((n) => n.close())); },
 *   };
 * });
 */
import type { TestFn } from 'ava';
import type { Transport } from '../../protocols/transport.ts';
import { contractTest } from './transport-contract/context.ts';
import { registerGroupTests } from './transport-contract/groups.ts';
import { registerProduceAndReadTests } from './transport-contract/produce-and-read.ts';
import { registerTransactionTests } from './transport-contract/transactions.ts';

export type { ContractCluster, ContractSetup } from './transport-contract/context.ts';

/**
 * Registers the contract tests, titled `<name>: <behaviour>`. `setup` runs
 * once per test and must return a fresh view of one cluster: `transport` and
 * `second()` act as two nodes; `teardown` closes every transport it created.
 */
export function transportContractTests(
  test: TestFn,
  name: string,
  setup: () => Promise<{
    transport: Transport;
    /** Another node's transport on the same cluster. */
    second: () => Transport;
    /** A unique topic name derived from `base`. */
    topic: (base: string) => string;
    teardown: () => Promise<void>;
  }>,
): void {
  const contract = contractTest(test, name, setup);
  registerProduceAndReadTests(contract);
  registerTransactionTests(contract);
  registerGroupTests(contract);
}
