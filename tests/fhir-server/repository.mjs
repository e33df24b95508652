// The repository behind the test FHIR server: Medplum's MemoryRepository, whose search tests every
// stored resource of the type, plus an index of `identifier` and `_tag` tokens. A search with an
// exact (`eq`) token filter on either runs Medplum's own search over the indexed candidates only,
// so what it answers (matches, order, total, paging) is what the full scan answers; index.test.mjs
// checks that on random data. Without such a filter, the full scan runs as before.

import { MemoryRepository } from '@medplum/fhir-router';

// A token's keys: "system|value" (system empty when absent) and the value alone, both lower-case.
// Lower-casing only widens the candidates; Medplum's matcher decides.
function tokenKeys(system, value) {
  if (value === undefined || value === null) return [];
  const v = String(value).toLowerCase();
  return [`${String(system ?? '').toLowerCase()}|${v}`, `*${v}`];
}

function keysOf(resource) {
  const keys = [];
  for (const identifier of resource.identifier ?? []) {
    for (const k of tokenKeys(identifier?.system, identifier?.value)) keys.push(`identifier ${k}`);
  }
  for (const tag of resource.meta?.tag ?? []) {
    for (const k of tokenKeys(tag?.system, tag?.code)) keys.push(`_tag ${k}`);
  }
  return keys;
}

// The index key a filter can be answered from, or undefined when it cannot (other parameters,
// modifiers, several values, "system|" for any value of a system).
function filterKey(filter) {
  if ((filter.code !== 'identifier' && filter.code !== '_tag') || filter.operator !== 'eq') return undefined;
  const value = String(filter.value ?? '');
  if (value === '' || value.includes(',') || value.endsWith('|')) return undefined;
  const bar = value.indexOf('|');
  return `${filter.code} ${bar < 0 ? `*${value.toLowerCase()}` : value.toLowerCase()}`;
}

export class TestRepository extends MemoryRepository {
  constructor() {
    super();
    this.index = new Map(); // "<type> <param> <key>" -> Set of ids
    this.order = new Map(); // type -> Map id -> position in the type's map (its iteration order)
    this.nextPosition = 0;
  }

  clear() {
    super.clear();
    this.index.clear();
    this.order.clear();
  }

  // Indexing happens in the same synchronous step as the store (no await in between), so no
  // search ever sees a stored resource the index lacks, or the reverse.
  createResource(resource, options) {
    const withId = resource.id ? resource : { ...resource, id: this.generateId() };
    const { resourceType: type, id } = withId;
    const previous = this.resources.get(type)?.get(id);
    const result = super.createResource(withId, options);
    const stored = this.resources.get(type)?.get(id);
    if (stored) {
      if (previous) this.unindex(type, id, previous);
      else this.positions(type).set(id, this.nextPosition++);
      this.indexResource(type, id, stored);
    }
    return result;
  }

  async deleteResource(type, id) {
    const previous = this.resources.get(type)?.get(id);
    await super.deleteResource(type, id);
    if (previous) {
      this.unindex(type, id, previous);
      this.positions(type).delete(id);
    }
  }

  // MemoryRepository 4.5.2 reverses its stored version list in place on every readHistory call,
  // so the order flips between calls and new versions get appended to the wrong end. A second
  // call restores the stored order; the first result is newest-first, as FHIR wants.
  async readHistory(resourceType, id, options) {
    const bundle = await super.readHistory(resourceType, id, options);
    await super.readHistory(resourceType, id, options);
    return bundle;
  }

  search(request) {
    const candidates = this.candidates(request);
    if (!candidates) return super.search(request);
    // Medplum's search reads this.resources synchronously before its first await: hand it the
    // candidates, in the order the full map would yield them, for exactly that call.
    const all = this.resources;
    const positions = this.positions(request.resourceType);
    const subset = new Map(
      [...candidates].sort((a, b) => positions.get(a) - positions.get(b)).map((id) => [id, all.get(request.resourceType).get(id)]),
    );
    this.resources = new Map(all).set(request.resourceType, subset);
    try {
      return super.search(request);
    } finally {
      this.resources = all;
    }
  }

  /** The full scan, whatever the filters (for the tests). */
  scan(request) {
    return super.search(request);
  }

  // The smallest indexed set among the filters that an index key answers; undefined for none.
  candidates(request) {
    let best;
    for (const filter of request.filters ?? []) {
      const key = filterKey(filter);
      if (key === undefined) continue;
      const ids = this.index.get(`${request.resourceType} ${key}`) ?? new Set();
      if (!best || ids.size < best.size) best = ids;
    }
    return best;
  }

  positions(type) {
    let map = this.order.get(type);
    if (!map) this.order.set(type, (map = new Map()));
    return map;
  }

  indexResource(type, id, resource) {
    for (const key of keysOf(resource)) {
      const full = `${type} ${key}`;
      let ids = this.index.get(full);
      if (!ids) this.index.set(full, (ids = new Set()));
      ids.add(id);
    }
  }

  unindex(type, id, resource) {
    for (const key of keysOf(resource)) {
      const full = `${type} ${key}`;
      const ids = this.index.get(full);
      ids?.delete(id);
      if (ids?.size === 0) this.index.delete(full);
    }
  }
}
