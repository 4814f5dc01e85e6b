"""Open Badges 2.0: composing JSON-LD documents (:mod:`.compose`), timestamps, and RS256 JWS signing
(:mod:`.jws`).

Spec: https://www.imsglobal.org/sites/default/files/Badges/OBv2p0Final/index.html
"""
