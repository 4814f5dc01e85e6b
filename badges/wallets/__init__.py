"""Putting an award into a learner's wallet: offers, the VC-API exchange, the LCW credential request and the
OpenID for Verifiable Credential Issuance endpoints (docs/decisions/0028-wallets.md)."""
