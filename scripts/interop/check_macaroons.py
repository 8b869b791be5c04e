"""Verifies macaroons minted by Claw with pymacaroons, in every format Claw writes.

The Swift test suite writes macaroons.json (MacaroonInteropWriter, when CLAW_INTEROP_DIR is set):
first-party tokens in V2 binary, V1 binary and V2 JSON with their caveats, and a root token with a
third-party caveat plus its bound discharge. pymacaroons must deserialize each one and verify it with
exactly the caveats Claw wrote; a verifier missing one caveat must refuse. Exits 1 on any mismatch.
"""
import json
import sys

from pymacaroons import Macaroon, Verifier
from pymacaroons.serializers import JsonSerializer


def verifier(satisfied):
    v = Verifier()
    for caveat in satisfied:
        v.satisfy_exact(caveat)
    return v


def main(path):
    with open(path) as f:
        doc = json.load(f)
    key = doc["root_key"]
    passed = failed = 0

    def check(label, ok):
        nonlocal passed, failed
        if ok:
            passed += 1
        else:
            failed += 1
            print(f"FAIL {label}")

    for i, case in enumerate(doc["first_party"]):
        forms = [("v2", Macaroon.deserialize(case["token_v2"])), ("v1", Macaroon.deserialize(case["token_v1"])),
                 ("json", Macaroon.deserialize(case["token_json"], serializer=JsonSerializer()))]
        for name, m in forms:
            check(f"case {i} {name}: caveats", [c.caveat_id_bytes.decode() for c in m.caveats] == case["caveats"])
            check(f"case {i} {name}: verifies", verifier(case["caveats"]).verify(m, key))
            try:
                verifier(case["caveats"][:-1]).verify(m, key)
                check(f"case {i} {name}: a missing caveat is refused", False)
            except Exception:
                check(f"case {i} {name}: a missing caveat is refused", True)
    tp = doc["third_party"]
    root = Macaroon.deserialize(tp["root"])
    discharge = Macaroon.deserialize(tp["discharge_bound"])
    check("third party: verifies with its discharge", verifier(tp["satisfy"]).verify(root, key, discharge_macaroons=[discharge]))
    try:
        verifier(tp["satisfy"]).verify(root, key, discharge_macaroons=[])
        check("third party: refused without its discharge", False)
    except Exception:
        check("third party: refused without its discharge", True)
    print(f"interop-macaroons: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
