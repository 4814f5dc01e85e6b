// Verify one credential with the Digital Credentials Consortium verifier (@digitalcredentials/verifier-core),
// fully offline, and print ONE JSON object on stdout:
//   {verified, steps, errors, schema, fetched, refused, version}
//
// Usage: node verify.mjs [credential.json | -] [--map URL=FILE ...]
//   The credential is read from the file, or from stdin when the argument is "-" or absent.
//   --map answers a URL from a local file (repeatable). LAUREL_DCC_MAP may hold a JSON object {url: file}.
//
// Network policy, installed on globalThis.fetch BEFORE the library is loaded:
//   - https://127.0.0.1:PORT/... and http(s)://localhost[:PORT]/... go to http://127.0.0.1:PORT/... (did:web always
//     resolves over https; the test server is plain http),
//   - http://127.0.0.1:PORT/... passes,
//   - mapped URLs are answered from files,
//   - anything else is refused (the fetch throws) and listed in "refused".
// The issuer registry list is empty, so "registered_issuer" is always false and is ignored for the verdict, as is
// the schema check (it needs the 1EdTech JSON schema from the network).
import { readFileSync } from 'node:fs';

const IGNORED_STEPS = new Set(['registered_issuer']);

function parseArgs(argv) {
  const maps = {};
  let input = '-';
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--map') {
      const [url, ...file] = argv[++i].split('=');
      maps[url] = file.join('=');
    } else {
      input = argv[i];
    }
  }
  if (process.env.LAUREL_DCC_MAP) Object.assign(maps, JSON.parse(process.env.LAUREL_DCC_MAP));
  return { input, maps };
}

const { input, maps } = parseArgs(process.argv.slice(2));
const fetched = [];
const refused = [];
const realFetch = globalThis.fetch;

function route(url) {
  if (Object.hasOwn(maps, url)) return { file: maps[url] };
  let parsed;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  const loopback = parsed.hostname === '127.0.0.1' || parsed.hostname === 'localhost';
  if (!loopback || !['http:', 'https:'].includes(parsed.protocol)) return null;
  parsed.protocol = 'http:';
  parsed.hostname = '127.0.0.1';
  return { url: parsed.toString() };
}

globalThis.fetch = async function offlineFetch(resource, init) {
  const url = typeof resource === 'string' ? resource : resource?.url ?? String(resource);
  const target = route(url);
  if (!target) {
    refused.push(url);
    throw new TypeError(`offline harness refused to fetch ${url}`);
  }
  if (target.file) {
    fetched.push({ url, from: target.file });
    const body = readFileSync(target.file);
    return new Response(body, { status: 200, headers: { 'content-type': 'application/json' } });
  }
  fetched.push({ url, from: target.url });
  // A Request object carries its own method/headers; re-issue it against the rewritten URL.
  const request = typeof resource === 'string' || resource instanceof URL ? undefined : resource;
  return realFetch(target.url, {
    method: request?.method ?? init?.method ?? 'GET',
    headers: request?.headers ?? init?.headers,
    signal: init?.signal ?? request?.signal,
    redirect: 'follow',
  });
};

function readInput(path) {
  return readFileSync(path === '-' ? 0 : path, 'utf8');
}

function summarise(result, version) {
  const errors = (result.errors ?? []).map(e => ({ name: e.name, message: e.message }));
  const steps = (result.log ?? []).map(step => ({
    id: step.id,
    valid: step.valid === true,
    ...(step.error ? { error: { name: step.error.name, message: step.error.message } } : {}),
  }));
  const relevant = steps.filter(s => !IGNORED_STEPS.has(s.id));
  const verified = errors.length === 0 && relevant.length > 0 && relevant.every(s => s.valid);
  const schema = (result.additionalInformation ?? []).find(a => a.id === 'schema_check') ?? null;
  return { verified, steps, errors, schema, fetched, refused, version };
}

async function main() {
  const pkg = new URL('./node_modules/@digitalcredentials/verifier-core/package.json', import.meta.url);
  const version = JSON.parse(readFileSync(pkg, 'utf8')).version;
  // Loaded only now, after globalThis.fetch is replaced.
  const { verifyCredential } = await import('@digitalcredentials/verifier-core');
  let credential;
  try {
    credential = JSON.parse(readInput(input));
  } catch (err) {
    const out = { verified: false, steps: [], errors: [{ name: 'input', message: String(err) }] };
    process.stdout.write(JSON.stringify({ ...out, schema: null, fetched, refused, version }) + '\n');
    return;
  }
  const result = await verifyCredential({ credential, knownDIDRegistries: [] });
  process.stdout.write(JSON.stringify(summarise(result, version)) + '\n');
}

main().catch(err => {
  process.stdout.write(
    JSON.stringify({
      verified: false,
      steps: [],
      errors: [{ name: 'harness', message: String(err?.stack ?? err) }],
      schema: null,
      fetched,
      refused,
    }) + '\n',
  );
  process.exitCode = 1;
});
