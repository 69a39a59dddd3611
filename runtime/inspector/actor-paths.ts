/**
 * Actor ids as the inspector names them: a path from a partition's root,
 * `aggregate/3/q:abc/w:1700000000000`, each segment URI-encoded so a `/`
 * inside a child's id cannot split it (see api.ts).
 */

/** The id of a partition's root actor. */
export function rootActorId(stage: string, partition: number): string {
  return `${encodeURIComponent(stage)}/${partition}`;
}

/** The id of a child of `parent` whose own (xstate) id is `childId`. */
export function childActorId(parent: string, childId: string): string {
  return `${parent}/${encodeURIComponent(childId)}`;
}

/** An actor id taken apart: its stage, partition and the child ids below the root. */
export interface ActorPath {
  readonly stage: string;
  readonly partition: number;
  readonly children: readonly string[];
}

/** Parses an actor id; null when it is not one. */
export function parseActorId(id: string): ActorPath | null {
  const segments = id.split('/');
  if (segments.length < 2) return null;
  const partition = Number(segments[1]);
  if (!Number.isSafeInteger(partition) || partition < 0) return null;
  try {
    return { stage: decodeURIComponent(segments[0]!), partition, children: segments.slice(2).map((segment) => decodeURIComponent(segment)) };
  } catch {
    return null;
  }
}

/** The parent's id, or null for a root. */
export function parentActorId(id: string): string | null {
  const segments = id.split('/');
  return segments.length <= 2 ? null : segments.slice(0, -1).join('/');
}

/**
 * A state value in one line: `running`, `active.collecting`, and for
 * parallel states each region, `[a.b, c.d]`.
 */
export function describeState(value: unknown): string {
  if (value === undefined || value === null) return 'none';
  if (typeof value === 'string') return value;
  if (typeof value !== 'object') return String(value);
  const regions = Object.entries(value as Record<string, unknown>).map(([key, inner]) => {
    const rest = describeState(inner);
    return rest === 'none' || (typeof inner === 'object' && inner !== null && Object.keys(inner).length === 0) ? key : `${key}.${rest}`;
  });
  if (regions.length === 0) return 'none';
  return regions.length === 1 ? regions[0]! : `[${regions.join(', ')}]`;
}
