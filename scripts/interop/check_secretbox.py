"""Opens values sealed by Claw's SecretBox with Python's `cryptography`, from the spec alone.

The Swift test suite writes secretbox.json (SecretBoxTests.writeInteropVectors, when CLAW_INTEROP_DIR
is set). This script re-derives the keys with HKDF-SHA256 and opens every value:

- alexclaw: "enc:" + base64(IV 12 || ct || tag 16), key info "AlexClaw.Config.Crypto", no AAD.
- claw:     "claw:v1:<key id>:" + base64url-nopad(nonce 12 || ct || tag 16), key info
            "claw config encryption", AAD = "claw:v1:<key id>:" + setting name; key id = hex of the
            first 4 bytes of HKDF(info "claw key id").
It also checks that a value does not open under another name. Exits 1 on any mismatch.
"""
import base64
import json
import sys

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def hkdf(secret: bytes, info: str, length: int) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=b"\x00" * 32, info=info.encode()).derive(secret)


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def main(path: str) -> int:
    with open(path) as f:
        doc = json.load(f)
    secret = doc["secret_key_base"].encode()
    key_id = hkdf(secret, "claw key id", 4).hex()
    if key_id != doc["key_id"]:
        print(f"key id mismatch: python {key_id}, swift {doc['key_id']}")
        return 1
    claw = AESGCM(hkdf(secret, "claw config encryption", 32))
    alexclaw = AESGCM(hkdf(secret, "AlexClaw.Config.Crypto", 32))
    failures = 0
    for v in doc["vectors"]:
        stored, name, expected = v["stored"], v["name"], v["plaintext"].encode()
        if v["format"] == "alexclaw":
            assert stored.startswith("enc:")
            raw = base64.b64decode(stored[4:], validate=True)
            plain = alexclaw.decrypt(raw[:12], raw[12:], None)
        else:
            header = f"claw:v1:{key_id}:"
            assert stored.startswith(header), stored[:20]
            raw = b64url_decode(stored[len(header):])
            plain = claw.decrypt(raw[:12], raw[12:], (header + name).encode())
            try:
                claw.decrypt(raw[:12], raw[12:], (header + name + "x").encode())
                print(f"{name}: opened under another name")
                failures += 1
            except InvalidTag:
                pass
        if plain != expected:
            print(f"{v['format']} {name}: plaintext mismatch")
            failures += 1
    total = len(doc["vectors"])
    print(f"interop: {total - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
