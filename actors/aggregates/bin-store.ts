/**
 * Sparse, sorted bin counts for {@link DDSketchState}: only occupied bins are
 * kept, as two parallel arrays in ascending index order. Arrays rather than an
 * object keyed by index because copying arrays is ~50x cheaper (facet groups
 * are copied on write once per batch), iteration is already in order, and the
 * JSON is as small: `{"indexes":[-3,5,6],"counts":[1,4,2]}`.
 */
export interface BinStore {
  indexes: number[];
  counts: number[];
}

export function emptyBinStore(): BinStore {
  return { indexes: [], counts: [] };
}

/** Counts one value in bin `index`, in place: a binary search, and an insertion only for a new bin. */
export function addToBin(store: BinStore, index: number): void {
  const { indexes } = store;
  let low = 0;
  let high = indexes.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (indexes[middle] < index) low = middle + 1;
    else high = middle;
  }
  if (low < indexes.length && indexes[low] === index) {
    store.counts[low]++;
  } else {
    indexes.splice(low, 0, index);
    store.counts.splice(low, 0, 1);
  }
}

export function copyBinStore(store: BinStore): BinStore {
  return { indexes: store.indexes.slice(), counts: store.counts.slice() };
}

/** A new store with the counts of both, by a linear merge of the sorted indexes. */
export function mergeBinStores(a: BinStore, b: BinStore): BinStore {
  const merged = emptyBinStore();
  let i = 0;
  let j = 0;
  while (i < a.indexes.length || j < b.indexes.length) {
    if (j >= b.indexes.length || (i < a.indexes.length && a.indexes[i] < b.indexes[j])) {
      merged.indexes.push(a.indexes[i]);
      merged.counts.push(a.counts[i++]);
    } else if (i >= a.indexes.length || b.indexes[j] < a.indexes[i]) {
      merged.indexes.push(b.indexes[j]);
      merged.counts.push(b.counts[j++]);
    } else {
      merged.indexes.push(a.indexes[i]);
      merged.counts.push(a.counts[i++] + b.counts[j++]);
    }
  }
  return merged;
}
