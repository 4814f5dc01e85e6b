// A stand-in for the DCC Learner Credential Wallet (openwallet-foundation-labs/learner-credential-wallet), built from
// the libraries and versions its package-lock.json pins, for Laurel's wallet tests. It mints a did:key as
// app/lib/did.ts mintDid does, signs DID-Auth presentations as app/lib/composeVp.ts and app/lib/present.ts do, and
// walks the wallet's two issuance routes with Node's own fetch:
//
//   node client.mjs present --challenge C [--domain D] [--seed HEX] [--suite ed25519-2020|eddsa-rdfc-2022]
//                           [--vc-version 1|2]          -> {"did", "didDocument", "vp"}
//   node client.mjs interaction URL [--seed HEX] [--interact]
//       app/lib/interactionUrl.ts + ExchangeCredentials.tsx + app/lib/exchanges.ts: GET URL (Accept: application/json),
//       POST {} to protocols.vcapi, sign the DIDAuthentication request's challenge and domain, POST
//       {"verifiablePresentation": VP}. The LCW posts it back to the vcapi URL, not to interact.service (it never
//       reads interact); --interact posts to verifiablePresentationRequest.interact.service[0].serviceEndpoint.
//   node client.mjs request DEEPLINK [--seed HEX]
//       app/lib/credentialRequest.ts: https://lcw.app/request?issuer=…&vc_request_url=…&challenge=…&auth_type=bearer
//       (or dccrequest://request?…): POST the bare VP (challenge, no domain) as application/json to vc_request_url.
//
// The routes print {"did", "steps": [{url, method, status}], "status", "response"} and exit 1 when the last HTTP
// answer is not 2xx; any other failure prints {"error": message} and exits 2. Contexts come from the LCW's own
// document loader with remote fetching off: nothing but the server under test is contacted.
import { randomBytes, randomUUID } from 'node:crypto'
import { parseArgs } from 'node:util'

import * as vc from '@digitalcredentials/vc'
import * as DidMethodKey from '@digitalcredentials/did-method-key'
import * as Ed25519Multikey from '@digitalcredentials/ed25519-multikey'
import { DataIntegrityProof } from '@digitalcredentials/data-integrity'
import { Ed25519Signature2020 } from '@digitalcredentials/ed25519-signature-2020'
import { Ed25519VerificationKey2020 } from '@digitalcredentials/ed25519-verification-key-2020'
import { cryptosuite as eddsaRdfc2022 } from '@digitalcredentials/eddsa-rdfc-2022-cryptosuite'
import { securityLoader } from '@digitalcredentials/security-document-loader'

const documentLoader = securityLoader({ fetchRemoteContexts: false }).build()

// app/lib/did.ts mintDid: an Ed25519VerificationKey2020 from a 32-byte seed, its did:key document, and the key pair
// renamed to the DID's verification method.
async function mintDid (seedHex) {
  const seed = seedHex ? Uint8Array.from(Buffer.from(seedHex, 'hex')) : new Uint8Array(randomBytes(32))
  if (seed.length !== 32) throw new Error('--seed must be 32 bytes of hex')
  const didKeyDriver = DidMethodKey.driver()
  didKeyDriver.use({ multibaseMultikeyHeader: 'z6Mk', fromMultibase: Ed25519VerificationKey2020.from })
  const verificationKeyPair = await Ed25519VerificationKey2020.generate({ seed })
  const { didDocument } = await didKeyDriver.fromKeyPair({ verificationKeyPair })
  verificationKeyPair.controller = didDocument.id
  verificationKeyPair.id = `${didDocument.id}#${verificationKeyPair.fingerprint()}`
  return { did: didDocument.id, didDocument, verificationKeyPair }
}

async function suiteFor (name, verificationKeyPair) {
  if (name === 'ed25519-2020') return new Ed25519Signature2020({ key: verificationKeyPair })
  if (name === 'eddsa-rdfc-2022') {
    // Not what the LCW signs presentations with, but the same key through the DCC Data Integrity libraries.
    const exported = verificationKeyPair.export({ publicKey: true, privateKey: true, includeContext: true })
    const multikey = await Ed25519Multikey.from({
      type: 'Multikey',
      id: exported.id,
      controller: exported.controller,
      publicKeyMultibase: exported.publicKeyMultibase,
      secretKeyMultibase: exported.privateKeyMultibase
    })
    return new DataIntegrityProof({ signer: multikey.signer(), cryptosuite: eddsaRdfc2022 })
  }
  throw new Error(`unknown --suite ${name}`)
}

// composeVp.ts (DID Auth, no credentials) when a domain is given; present.ts createVerifiablePresentation without.
async function present ({ profile, challenge, domain, suite = 'ed25519-2020', vcVersion = '2' }) {
  const presentation = vc.createPresentation({ holder: profile.did, verify: false, version: Number(vcVersion) })
  return await vc.signPresentation({
    presentation,
    challenge,
    domain,
    documentLoader,
    suite: await suiteFor(suite, profile.verificationKeyPair)
  })
}

async function call (steps, url, init) {
  const response = await fetch(url, init)
  const text = await response.text()
  let body
  try {
    body = text ? JSON.parse(text) : null
  } catch {
    body = { nonJson: text.slice(0, 2000) }
  }
  steps.push({ url, method: init?.method ?? 'GET', status: response.status })
  return { ok: response.ok, status: response.status, body }
}

function finish (did, steps, last) {
  console.log(JSON.stringify({ did, steps, status: last.status, response: last.body }))
  process.exitCode = last.ok ? 0 : 1
}

const post = (payload) => ({
  method: 'POST',
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify(payload)
})

async function interaction (url, { seed, interact }) {
  const steps = []
  const inner = url.startsWith('interaction:') ? url.slice('interaction:'.length) : url
  const protocols = await call(steps, inner, { headers: { Accept: 'application/json' } })
  if (!protocols.ok) return finish(null, steps, protocols)
  const exchangeUrl = protocols.body?.protocols?.vcapi
  if (typeof exchangeUrl !== 'string') throw new Error('the interaction response has no protocols.vcapi')
  const request = await call(steps, exchangeUrl, post({}))
  if (!request.ok) return finish(null, steps, request)
  const vpr = request.body?.verifiablePresentationRequest
  if (!vpr) throw new Error('the exchange answered POST {} without a verifiablePresentationRequest')
  const queries = [].concat(vpr.query ?? [])
  if (queries.filter((q) => q?.type === 'DIDAuthentication').length !== 1) {
    throw new Error('the request does not ask for exactly one DIDAuthentication')
  }
  if (!(vpr.challenge && vpr.domain)) throw new Error('Both "challenge" and "domain" are required for DID Auth.')
  const profile = await mintDid(seed)
  const vp = await present({ profile, challenge: vpr.challenge, domain: vpr.domain })
  const target = interact ? vpr.interact?.service?.[0]?.serviceEndpoint : exchangeUrl
  if (typeof target !== 'string') throw new Error('the request has no interact.service[0].serviceEndpoint')
  finish(profile.did, steps, await call(steps, target, post({ verifiablePresentation: vp })))
}

async function request (deepLink, { seed }) {
  const params = Object.fromEntries(new URL(deepLink).searchParams)
  if (params.issuer === undefined || params.vc_request_url === undefined) {
    throw new Error('not a credential request link (issuer and vc_request_url are required)')
  }
  const authType = params.auth_type ?? 'code'
  if (authType !== 'bearer') throw new Error(`Unsupported auth_type value: "${authType}".`)
  const profile = await mintDid(seed)
  // present.ts: a random UUID when the link carries no challenge.
  const vp = await present({ profile, challenge: params.challenge ?? randomUUID() })
  const steps = []
  finish(profile.did, steps, await call(steps, params.vc_request_url, post(vp)))
}

async function main () {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      challenge: { type: 'string' },
      domain: { type: 'string' },
      seed: { type: 'string' },
      suite: { type: 'string', default: 'ed25519-2020' },
      'vc-version': { type: 'string', default: '2' },
      interact: { type: 'boolean', default: false }
    }
  })
  const [command, target] = positionals
  if (command === 'present') {
    if (!values.challenge) throw new Error('present needs --challenge')
    const profile = await mintDid(values.seed)
    const vp = await present({ profile, ...values, vcVersion: values['vc-version'] })
    console.log(JSON.stringify({ did: profile.did, didDocument: profile.didDocument, vp }))
  } else if (command === 'interaction' && target) {
    await interaction(target, values)
  } else if (command === 'request' && target) {
    await request(target, values)
  } else {
    throw new Error('usage: client.mjs present --challenge C [--domain D] | interaction URL | request DEEPLINK')
  }
}

main().catch((err) => {
  console.log(JSON.stringify({ error: String(err?.message ?? err) }))
  process.exitCode = 2
})
