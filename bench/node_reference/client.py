"""Drive the Node reference stack (``reference.mjs``: @digitalbazaar/vc + eddsa-rdfc-2022) from Python.

``NodeReference.start(...)`` installs the pinned packages once (``tests/interop/npm_ci_pinned.sh``: ``npm ci`` into
``bench/node_reference/node_modules``), starts one long-lived ``node`` process, hands it the credential, the
signed copy Laurel made of it, the key (as a private JWK) and the DID document, and checks, before any timing,
that the comparison is apples to apples:

- the reference stack's canonical N-Quads of the credential equal Laurel's (``proof.canonicalize``);
- the reference verifies Laurel's signature and its own; Laurel verifies the reference's.

Any failure raises ``NodeReferenceError`` (not timed then); ``NodeUnavailable`` (a subclass) means Node.js, npm
or the packages are not to be had here, and its message says why. ``time(op, seconds)`` runs one timed window on
the Node side (``sign`` or ``verify``, until ``seconds`` of its CPU time) and returns a ``Window``. Plain Python:
no Django; used by ``bench/ob3_bench.py`` and ``tests/interop/test_node_reference.py``.
"""

from __future__ import annotations

import base64
import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from badges.openbadges.keys import public_key_to_jwk
from badges.openbadges.loader import CONTEXTS_DIR
from badges.openbadges.ob3 import proof
from tests.interop.node_packages import install_pinned

HERE = Path(__file__).resolve().parent
SCRIPT = HERE / "reference.mjs"


class NodeReferenceError(RuntimeError):
    """The reference stack ran but disagreed with Laurel, or failed; the message says how."""


class NodeUnavailable(NodeReferenceError):
    """Node.js, npm or the pinned packages are not available here; the message says why."""


@dataclass(frozen=True)
class Window:
    """One timed window of the reference stack: ``count`` operations in ``cpu_seconds`` / ``wall_seconds``."""

    op: str
    count: int
    cpu_seconds: float
    wall_seconds: float

    @property
    def rate(self) -> float:
        """Operations per second, on the more favourable of the two clocks for Node: its CPU time also counts
        V8's helper threads (concurrent GC and compilation), which would otherwise be charged against it."""
        return self.count / min(self.cpu_seconds, self.wall_seconds)


def ensure_node() -> str:
    """Install the pinned packages if needed; return the path of ``node``. Raises NodeUnavailable."""
    return install_pinned(HERE, "@digitalbazaar/vc", needed_for="the Node reference stack", error=NodeUnavailable)


def private_jwk(key: Ed25519PrivateKey) -> dict[str, str]:
    """The private OKP/Ed25519 JWK of ``key`` (``d`` = the 32-byte seed), for the reference signer only."""
    seed = key.private_bytes(
        encoding=serialization.Encoding.Raw,
        format=serialization.PrivateFormat.Raw,
        encryption_algorithm=serialization.NoEncryption(),
    )
    return {**public_key_to_jwk(key), "d": base64.urlsafe_b64encode(seed).rstrip(b"=").decode()}


class NodeReference:
    """One running ``reference.mjs`` process, set up with one credential and checked against Laurel."""

    def __init__(self, process: subprocess.Popen[str], setup_reply: dict[str, Any]) -> None:
        self._process = process
        self.versions: dict[str, str] = setup_reply["versions"]
        self.canonical: str = setup_reply["canonical"]
        self.node_signed: dict[str, Any] = setup_reply["nodeSigned"]

    @classmethod
    def start(
        cls,
        *,
        credential: dict[str, Any],
        signed: dict[str, Any],
        key: Ed25519PrivateKey,
        verification_method: str,
        did_document: dict[str, Any],
        created: str,
    ) -> NodeReference:
        """Start the reference process and run every apples-to-apples check (see the module docstring)."""
        node = ensure_node()
        process = subprocess.Popen(
            [node, str(SCRIPT)],
            cwd=HERE,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        try:
            reply = _ask(
                process,
                {
                    "cmd": "setup",
                    "credential": credential,
                    "signed": signed,
                    "jwk": private_jwk(key),
                    "verificationMethod": verification_method,
                    "didDocument": did_document,
                    "created": created,
                    "contextsDir": str(CONTEXTS_DIR),
                },
            )
            reference = cls(process, reply)
            reference._check(reply, credential=credential, key=key)
        except BaseException:
            _stop(process)
            raise
        return reference

    def _check(self, reply: dict[str, Any], *, credential: dict[str, Any], key: Ed25519PrivateKey) -> None:
        ours = proof.canonicalize(credential)
        if self.canonical != ours:
            raise NodeReferenceError(
                "the reference stack's canonical N-Quads differ from Laurel's, so the two do not sign the same "
                f"thing:\n--- node\n{self.canonical}\n--- laurel\n{ours}"
            )
        if not (reply["nodeVerifiesNode"] and reply["nodeVerifiesLaurel"]):
            raise NodeReferenceError(
                f"the reference stack does not verify (its own: {reply['nodeVerifiesNode']}, Laurel's: "
                f"{reply['nodeVerifiesLaurel']}): {reply['errors']}"
            )
        ours_of_theirs = proof.verify_proof(document=self.node_signed, public_key=key.public_key())
        if not ours_of_theirs.ok:
            raise NodeReferenceError(f"Laurel does not verify the reference stack's signature: {ours_of_theirs}")
        unsigned = {k: v for k, v in self.node_signed.items() if k != "proof"}
        if unsigned != credential:
            raise NodeReferenceError("the reference stack changed the credential it signed")

    def warm_up(self, iterations: int) -> None:
        """Sign and verify ``iterations`` times, untimed, so V8's JIT has compiled the hot paths."""
        _ask(self._process, {"cmd": "warmup", "iterations": iterations})

    def time(self, op: str, seconds: float) -> Window:
        """One window: ``op`` (``sign`` or ``verify`` of Laurel's signed credential) for ``seconds`` of CPU."""
        reply = _ask(self._process, {"cmd": "time", "op": op, "seconds": seconds})
        return Window(op=op, count=reply["count"], cpu_seconds=reply["cpuSeconds"], wall_seconds=reply["wallSeconds"])

    def close(self) -> None:
        _stop(self._process)

    def __enter__(self) -> NodeReference:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _ask(process: subprocess.Popen[str], message: dict[str, Any]) -> dict[str, Any]:
    stdin: IO[str] | None = process.stdin
    stdout: IO[str] | None = process.stdout
    assert stdin is not None and stdout is not None
    try:
        stdin.write(json.dumps(message) + "\n")
        stdin.flush()
    except BrokenPipeError as exc:
        raise NodeReferenceError(f"reference.mjs exited: {_stderr(process)}") from exc
    line = stdout.readline()
    if not line:
        raise NodeReferenceError(f"reference.mjs exited without answering {message['cmd']!r}: {_stderr(process)}")
    reply = json.loads(line)
    if not reply.get("ok"):
        raise NodeReferenceError(f"reference.mjs failed on {message['cmd']!r}: {reply.get('error')}")
    return reply


def _stderr(process: subprocess.Popen[str]) -> str:
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        return "(still running)"
    return (process.stderr.read() if process.stderr else "")[-2000:]


def _stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is not None:
        return
    try:
        assert process.stdin is not None
        process.stdin.write(json.dumps({"cmd": "quit"}) + "\n")
        process.stdin.close()
        process.wait(timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        process.kill()
        process.wait()
