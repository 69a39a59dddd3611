import type { Transport } from '../../../protocols/transport.ts';
import { bytes, text, type ContractTest, type ContractTraits } from './context.ts';
import { GroupProbe } from './group-probe.ts';
import { Changes, eventually } from './waiting.ts';

async function produceToEach(transport: Transport, topic: string, partitions: number, suffix: string): Promise<void> {
  await transport.producer().send(Array.from({ length: partitions }, (_, partition) => ({ topic, partition, value: bytes(`${partition}-${suffix}`) })));
}

/** A revocation callback that stays open until released, counting how many began. */
class RevocationGate {
  began = 0;
  readonly #changes: Changes;
  #release!: () => void;
  readonly #released = new Promise<void>((resolve) => (this.#release = resolve));

  constructor(changes: Changes) {
    this.#changes = changes;
  }

  readonly hold = async (): Promise<void> => {
    this.began += 1;
    this.#changes.notify();
    await this.#released;
  };

  release(): void {
    this.#release();
  }
}

/** Lets every callback and delivery already scheduled in this process run. */
async function letScheduledWorkRun(): Promise<void> {
  for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setImmediate(resolve));
}

/**
 * A member owning and having read all 4 partitions of a new topic, whose
 * revocation callback stays open (`gate`) while a second member joins.
 */
async function joinWhileRevocationHeld(transport: Transport, joinerTransport: Transport, name: string) {
  const groupId = `${name}-group`;
  await transport.admin().createTopics([{ name, partitions: 4 }]);
  await produceToEach(transport, name, 4, 'early');
  const changes = new Changes();
  const gate = new RevocationGate(changes);
  const first = new GroupProbe(transport, { groupId }, changes, gate.hold);
  await first.start([name]);
  await changes.until(() => first.owned.size === 4 && first.records.length === 4, 'the first member to own and read everything');
  const joiner = new GroupProbe(joinerTransport, { groupId }, changes);
  return { changes, gate, first, joiner, joined: joiner.start([name]) };
}

/**
 * How partitions change owner: lost (the member was expelled: no revocation)
 * versus revoked, and whether the new owner waits for the old owner's
 * revocation callback (`traits.handOver`).
 */
export function registerHandOverTests(contract: ContractTest, traits: ContractTraits): void {
  contract('an expelled member is told its partitions are lost, never revoked, and rejoins as a new member', async (t, { transport, second, topic, expel }) => {
    const name = topic('handover-expel');
    const groupId = `${name}-group`;
    await transport.admin().createTopics([{ name, partitions: 4 }]);
    const changes = new Changes();
    const stayer = new GroupProbe(transport, { groupId, metadata: { node: 'stayer' } }, changes);
    const victim = new GroupProbe(second(), { groupId, metadata: { node: 'victim' } }, changes);
    await stayer.start([name]);
    await victim.start([name]);
    await changes.until(() => stayer.owned.size === 2 && victim.owned.size === 2, 'two partitions each');
    const victimHad = [...victim.owned].sort();
    const before = await eventually(
      () => transport.admin().describeGroup(groupId),
      (d) => d.members.length === 2 && d.members.every((m) => m.assignment.length === 2),
      'both members in the group description',
    );
    const victimId = before.members.find((m) => m.metadata.node === 'victim')!.memberId;

    await expel(groupId, victimId);
    await changes.until(() => victim.lostPartitions().length > 0, 'the expelled member to learn its partitions are lost');
    t.deepEqual(victim.lostPartitions().sort(), victimHad, 'every partition it owned is lost');
    t.deepEqual(victim.revokedPartitions(), [], 'nothing is revoked from an expelled member');

    await changes.until(
      () => victim.owned.size > 0 && stayer.owned.size + victim.owned.size === 4 && [...stayer.owned].every((p) => !victim.owned.has(p)),
      'the expelled member to rejoin and the partitions to be split again',
    );
    const after = await eventually(
      () => transport.admin().describeGroup(groupId),
      (d) => d.members.length === 2 && d.members.every((m) => m.assignment.length > 0),
      'both members in the group again',
    );
    const rejoined = after.members.find((m) => m.metadata.node === 'victim');
    t.truthy(rejoined, 'the expelled member is back in the group');
    t.not(rejoined!.memberId, victimId, 'under a new member id');
    t.deepEqual(stayer.lostPartitions(), [], 'the member that stayed lost nothing');

    await produceToEach(transport, name, 4, 'after');
    const deliveredAfter = () => new Set([...stayer.records, ...victim.records].filter((r) => text(r)?.endsWith('-after')).map((r) => r.partition));
    await changes.until(() => deliveredAfter().size === 4, 'records written after the rejoin to reach the owners');
    await victim.consumer.disconnect();
    await stayer.consumer.disconnect();
  });

  contract('a member that leaves is revoked before its partitions move', async (t, { transport, second, topic }) => {
    const name = topic('handover-leave');
    const groupId = `${name}-group`;
    await transport.admin().createTopics([{ name, partitions: 4 }]);
    const changes = new Changes();
    const gate = new RevocationGate(changes);
    const stayer = new GroupProbe(transport, { groupId }, changes);
    const leaver = new GroupProbe(second(), { groupId }, changes, gate.hold);
    await stayer.start([name]);
    await leaver.start([name]);
    await changes.until(() => stayer.owned.size === 2 && leaver.owned.size === 2, 'two partitions each');
    const leaverHad = [...leaver.owned].sort();

    const left = leaver.consumer.disconnect();
    try {
      await changes.until(() => gate.began > 0, 'the leaving member to begin its revocation');
      await letScheduledWorkRun();
      t.deepEqual([...stayer.owned].filter((p) => leaverHad.includes(p)), [], 'no partition of the leaving member moved during its revocation');
    } finally {
      gate.release();
    }
    await left;
    await changes.until(() => stayer.owned.size === 4, 'the stayer to own everything');
    t.deepEqual(leaver.revokedPartitions().sort(), leaverHad);
    t.deepEqual(leaver.nextOwnersWaited(), [true], 'a leaving member is told its next owners wait for it');
    t.deepEqual(leaver.lostPartitions(), [], 'a member that leaves loses nothing');
    await stayer.consumer.disconnect();
  });

  if (traits.handOver === 'eager') {
    contract('a moved partition reaches its new owner while its old owner is still revoking it (eager hand-over)', async (t, { transport, second, topic }) => {
      const { changes, gate, first, joiner, joined } = await joinWhileRevocationHeld(transport, second(), topic('handover-eager'));
      try {
        await changes.until(
          () => gate.began > 0 && joiner.owned.size === 2 && joiner.records.length === 2,
          "the joiner to read its partitions while the first member's revocation is open",
        );
        t.deepEqual(first.revokedPartitions(), [], 'the revocation callback has not returned');
        t.deepEqual([...joiner.owned].filter((p) => first.owned.has(p)).sort(), [...joiner.owned].sort(), 'until it returns, the old owner still holds the moved partitions');
      } finally {
        gate.release();
      }
      await joined;
      await changes.until(() => first.owned.size === 2, 'the revocation to return');
      t.deepEqual(first.revokedPartitions().sort(), [...joiner.owned].sort());
      t.deepEqual(first.nextOwnersWaited(), [traits.announcesHandOvers === true], traits.announcesHandOvers === true ? 'the new owner was told to wait for it' : 'the new owner is processing already');
      t.deepEqual(first.lostPartitions(), [], 'a planned rebalance loses nothing');
      await joiner.consumer.disconnect();
      await first.consumer.disconnect();
    });
  } else {
    contract('a moved partition reaches its new owner only once its old owner revoked it (revoke-first hand-over)', async (t, { transport, second, topic }) => {
      const { changes, gate, first, joiner, joined } = await joinWhileRevocationHeld(transport, second(), topic('handover-revoke-first'));
      try {
        await changes.until(() => gate.began > 0, 'the first member to begin its revocation');
        await letScheduledWorkRun();
        t.is(joiner.owned.size, 0, 'the joiner is given nothing while the revocation is open');
        t.deepEqual(joiner.records, []);
      } finally {
        gate.release();
      }
      await joined;
      await changes.until(() => joiner.owned.size === 2 && joiner.records.length === 2, 'the joiner to read its partitions');
      t.deepEqual(first.revokedPartitions().sort(), [...joiner.owned].sort());
      t.deepEqual(first.nextOwnersWaited(), [true], 'the new owner waited for the revocation');
      t.deepEqual(first.lostPartitions(), [], 'a planned rebalance loses nothing');
      await joiner.consumer.disconnect();
      await first.consumer.disconnect();
    });
  }
}
