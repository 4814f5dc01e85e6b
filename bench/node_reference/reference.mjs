// The Node reference stack for `make bench`: Digital Bazaar's @digitalbazaar/vc with the eddsa-rdfc-2022
// cryptosuite (@digitalbazaar/data-integrity, @digitalbazaar/ed25519-multikey), signing and verifying the SAME
// OB 3.0 credential that Laurel's bench signs, fully offline.
//
// Protocol: one JSON object per line on stdin, one JSON reply per line on stdout, so that the Python bench can
// keep this process alive and time it in windows taken in turn with its own (a slow spell of the shared machine
// then hits both sides alike). Node is idle, blocked on stdin, while Python is timed.
//
//   {"cmd": "setup", "credential": {...unsigned...}, "signed": {...signed by Laurel...},
//    "jwk": {kty, crv, x, d}, "verificationMethod": "did:web:...#z6Mk...", "didDocument": {...},
//    "created": "2025-03-01T00:00:00Z", "contextsDir": ".../badges/openbadges/contexts"}
//     -> {"ok": true, "versions": {...}, "canonical": "<N-Quads of the credential>", "nodeSigned": {...},
//         "nodeVerifiesNode": bool, "nodeVerifiesLaurel": bool, "errors": [...]}
//   {"cmd": "warmup", "iterations": N}  -> {"ok": true, "iterations": N}   (sign + verify N times, untimed)
//   {"cmd": "time", "op": "sign" | "verify", "seconds": S}
//     -> {"ok": true, "op", "count", "cpuSeconds", "wallSeconds"}   (runs until S seconds of CPU time)
//   {"cmd": "quit"}
//
// Nothing is fetched: contexts come from Laurel's vendored files (index.json maps URL -> file); the DID document
// and its verification method are answered from the setup message; any other URL is an error.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

import * as vc from '@digitalbazaar/vc';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import { cryptosuite } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const VERSIONS = Object.fromEntries(
  [
    '@digitalbazaar/vc',
    '@digitalbazaar/data-integrity',
    '@digitalbazaar/eddsa-rdfc-2022-cryptosuite',
    '@digitalbazaar/ed25519-multikey',
    'jsonld',
    'rdf-canonize',
  ].map((name) => [name, JSON.parse(readFileSync(join(HERE, 'node_modules', name, 'package.json'), 'utf8')).version]),
);
VERSIONS.node = process.versions.node;

let state = null;

function makeLoader({ contextsDir, didDocument }) {
  const index = JSON.parse(readFileSync(join(contextsDir, 'index.json'), 'utf8'));
  const documents = new Map();
  for (const [url, file] of Object.entries(index)) {
    documents.set(url, JSON.parse(readFileSync(join(contextsDir, file), 'utf8')));
  }
  documents.set(didDocument.id, didDocument);
  for (const method of didDocument.verificationMethod ?? []) {
    // A verification method is served on its own, with the DID document's contexts, as a DID resolver would.
    documents.set(method.id, { '@context': didDocument['@context'], ...method });
  }
  return async function documentLoader(url) {
    const document = documents.get(url);
    if (document === undefined) throw new Error(`offline reference loader has no document for ${url}`);
    return { contextUrl: null, documentUrl: url, document };
  };
}

function checkStatus() {
  // Laurel's status list check is timed on the Python side; here it is not part of the reference's work.
  return { verified: true };
}

async function setup(message) {
  const documentLoader = makeLoader(message);
  const keyPair = await Ed25519Multikey.fromJwk({
    jwk: message.jwk,
    secretKey: true,
    id: message.verificationMethod,
    controller: message.didDocument.id,
  });
  const date = message.created;
  state = {
    credential: message.credential,
    laurelSigned: message.signed,
    documentLoader,
    signSuite: () => new DataIntegrityProof({ signer: keyPair.signer(), cryptosuite, date }),
    verifySuite: new DataIntegrityProof({ cryptosuite }),
  };
  const canonical = await cryptosuite.canonize(structuredClone(message.credential), { documentLoader });
  const nodeSigned = await sign();
  const mine = await verify(nodeSigned);
  const theirs = await verify(message.signed);
  state.nodeSigned = nodeSigned;
  return {
    ok: true,
    versions: VERSIONS,
    canonical,
    nodeSigned,
    nodeVerifiesNode: mine.verified,
    nodeVerifiesLaurel: theirs.verified,
    errors: [mine, theirs].flatMap((r) => (r.verified ? [] : [describe(r)])),
  };
}

function describe(result) {
  const errors = [result.error, ...(result.results ?? []).map((r) => r.error)].filter(Boolean);
  return errors.map((e) => e.message ?? String(e)).join('; ') || 'not verified';
}

async function sign() {
  return vc.issue({
    credential: structuredClone(state.credential),
    suite: state.signSuite(),
    documentLoader: state.documentLoader,
  });
}

async function verify(credential) {
  return vc.verifyCredential({
    credential,
    suite: state.verifySuite,
    documentLoader: state.documentLoader,
    checkStatus,
  });
}

async function once(op) {
  if (op === 'sign') return sign();
  const result = await verify(state.laurelSigned);
  if (!result.verified) throw new Error(`reference verification failed: ${describe(result)}`);
  return result;
}

function cpuSeconds() {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

async function time({ op, seconds }) {
  if (op !== 'sign' && op !== 'verify') throw new Error(`unknown op ${op}`);
  let count = 0;
  const cpuStart = cpuSeconds();
  const wallStart = process.hrtime.bigint();
  while (cpuSeconds() - cpuStart < seconds) {
    await once(op);
    count += 1;
  }
  const cpu = cpuSeconds() - cpuStart;
  const wall = Number(process.hrtime.bigint() - wallStart) / 1e9;
  return { ok: true, op, count, cpuSeconds: cpu, wallSeconds: wall };
}

async function handle(message) {
  switch (message.cmd) {
    case 'setup':
      return setup(message);
    case 'warmup':
      for (let i = 0; i < message.iterations; i++) {
        await once('sign');
        await once('verify');
      }
      return { ok: true, iterations: message.iterations };
    case 'time':
      return time(message);
    default:
      throw new Error(`unknown command ${message.cmd}`);
  }
}

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of lines) {
  if (!line.trim()) continue;
  let message;
  try {
    message = JSON.parse(line);
  } catch (error) {
    process.stdout.write(JSON.stringify({ ok: false, error: `bad JSON: ${error.message}` }) + '\n');
    continue;
  }
  if (message.cmd === 'quit') break;
  let reply;
  try {
    reply = await handle(message);
  } catch (error) {
    reply = { ok: false, error: error?.stack ?? String(error) };
  }
  process.stdout.write(JSON.stringify(reply) + '\n');
}
