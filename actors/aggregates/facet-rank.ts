/**
 * Which facet groups a window keeps under its LIMIT: the tuples whose keys
 * rank first, by a hash of the key (FNV-1a over its UTF-16 code units, with
 * murmur3's final mix), ties broken by the key itself. The rank of a tuple
 * depends on nothing but its values, so the kept groups are the same
 * whatever order events arrive in, on one partition or spread over several,
 * and partial windows merge into exactly the groups one actor would have
 * kept (./merge-facet-groups.ts).
 */
/** The rank of a facet key: lower ranks are kept first. Part of the result format: changing it changes which groups a window keeps. */
export function facetRank(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  hash = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b);
  hash = Math.imul(hash ^ (hash >>> 13), 0xc2b2ae35);
  return (hash ^ (hash >>> 16)) >>> 0;
}

/** Orders facet keys by rank: negative when `a` is kept before `b`. */
export function compareFacetKeys(a: string, b: string, rankOfA = facetRank(a), rankOfB = facetRank(b)): number {
  return rankOfA - rankOfB || (a < b ? -1 : a > b ? 1 : 0);
}
