"""Open Badges 3.0 (https://www.imsglobal.org/spec/ob/v3p0/): compose credentials, Data Integrity and VC-JWT
proofs, did:web documents, Bitstring status lists, and verification.

Modules: :mod:`.compose` (documents), :mod:`.safety` (JSON-LD safe mode), :mod:`.proof` (eddsa-rdfc-2022),
:mod:`.jwt` (VC-JWT, RS256), :mod:`.did` (did:web), :mod:`.status_list` (bitstrings), :mod:`.verify`
(verifier).
"""
