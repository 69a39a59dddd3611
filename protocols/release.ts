/**
 * The release a partition's last owner writes into the metadata of the input
 * offset its last transaction commits: the partition is free to be taken
 * without fencing, and nothing after that offset was processed. Read by a
 * new owner (../runtime/partition/release.ts) and by `eventide status`.
 */
const PREFIX = 'eventide-release ';

/** What a release says. */
export interface Release {
  readonly node: string;
  /** The generation that took the partition away (or the last one the node saw, when it left). */
  readonly generation: number;
}

/** How a partition came to its new owner. */
export type HandOverKind =
  /** Its last owner released it: its final snapshot and offsets are committed, nothing is replayed. */
  | 'clean'
  /** It was moving from a live member that did not release it in time: fenced, its last writes replayed. */
  | 'fenced'
  /** Its last owner stopped without releasing it (crash, expiry): fenced, replayed from the newest snapshot. */
  | 'lost'
  /** Lost or fenced, and resumed from this node's standby replica: the snapshots partition read only from where the standby stopped. */
  | 'standby'
  /** Nothing was ever committed for it: a first start. */
  | 'first';

export function releaseMetadata(release: Release): string {
  return `${PREFIX}${JSON.stringify({ node: release.node, generation: release.generation })}`;
}

/** The release in an offset's metadata; null for any other metadata. */
export function parseRelease(metadata: string | null | undefined): Release | null {
  if (typeof metadata !== 'string' || !metadata.startsWith(PREFIX)) return null;
  try {
    const { node, generation } = JSON.parse(metadata.slice(PREFIX.length)) as Partial<Release>;
    return typeof node === 'string' && Number.isInteger(generation) ? { node, generation: generation! } : null;
  } catch {
    return null;
  }
}
