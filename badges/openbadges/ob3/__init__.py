"""Open Badges 3.0 (https://www.imsglobal.org/spec/ob/v3p0/): compose credentials, Data Integrity and VC-JWT
proofs, did:web documents, Bitstring status lists, and verification.

Modules: :mod:`.compose` (documents), :mod:`.status_list` (bitstrings), :mod:`.did` (did:web), :mod:`.safety`
(JSON-LD safe mode), :mod:`.processor` (cached pyld processing), :mod:`.proof` (eddsa-rdfc-2022), :mod:`.jwt`
(VC-JWT, RS256), :mod:`.verify` (the verifier behind the verification page and API) and :mod:`.holder_copy`
(an award's credential bound to a wallet holder's DID).
"""
