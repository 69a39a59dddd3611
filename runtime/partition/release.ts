/**
 * Clean hand-overs on kafkajs's eager protocol. When a partition moves from a
 * live member, both learn of it at the same generation: the old owner is
 * told to revoke it, the new one to take it. Were the new owner to start at
 * once, its transactional producer (the partition's transactional id) would
 * fence the old owner while that one writes its final snapshot, and the new
 * owner would restore an older snapshot and replay the input after it.
 *
 * So the old owner's last transaction commits its input offset with a
 * release in the offset's metadata (which node, at which generation), and a
 * new owner told of the hand-over by the assignor waits, before it fences,
 * until the committed offset carries that release, or until `timeoutMs`
 * passed (the old owner died meanwhile: it fences then, as after a crash).
 *
 * The committed offset also tells, at any restore, how the partition was
 * left: released (a clean hand-over, nothing to replay), committed without a
 * release (its owner stopped without releasing: lost), or never committed.
 */
import type { OffsetCommit } from '../../protocols/transport.ts';
import { parseRelease, type HandOverKind, type Release } from '../../protocols/release.ts';

export { parseRelease, releaseMetadata, type HandOverKind, type Release } from '../../protocols/release.ts';

export interface ReleaseWait {
  /** The partition's committed offset, as the group holds it now. */
  readonly committed: () => Promise<OffsetCommit | undefined>;
  /** The node releasing it, and the generation that took it away. */
  readonly from: Release;
  /**
   * Wall time for the wait, not the node's clock: it waits on another
   * process, as a network timeout does (a node on a manual clock, in tests,
   * would otherwise wait for ever). @default performance.now and setTimeout
   */
  readonly timer?: { now(): number; sleep(ms: number): Promise<void> };
  readonly timeoutMs: number;
  /** @default 50 */
  readonly pollMs?: number;
  /** Checked between polls: the wait ends when the partition went meanwhile. */
  readonly abandoned?: () => boolean;
}

/** Waits for `from`'s release; the commit that carries it, or null after `timeoutMs`. */
export async function awaitRelease(wait: ReleaseWait): Promise<OffsetCommit | null> {
  const timer = wait.timer ?? WALL_TIME;
  const deadline = timer.now() + wait.timeoutMs;
  for (;;) {
    const commit = await wait.committed();
    const release = parseRelease(commit?.metadata);
    if (commit !== undefined && release !== null && release.node === wait.from.node && release.generation >= wait.from.generation) return commit;
    if (timer.now() >= deadline || wait.abandoned?.() === true) return null;
    await timer.sleep(wait.pollMs ?? 50);
  }
}

const WALL_TIME = { now: () => performance.now(), sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)) };

/** How a partition was left, from its committed offset, when no hand-over was announced. */
export function leftAs(commit: OffsetCommit | undefined): HandOverKind {
  if (commit === undefined) return 'first';
  return parseRelease(commit.metadata) === null ? 'lost' : 'clean';
}
