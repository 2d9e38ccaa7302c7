"""Independent check of a Surge EP1 pass with Python's pycose, cbor2 and base45 (no Surge code).

Usage: verify_ep1.py PUBLIC_JSON EP1_TEXT
Prints the decoded claims as JSON and exits 0 when the COSE signature verifies, 1 when it does not.
"""

import base64
import json
import sys
import zlib

import base45
import cbor2
from pycose.headers import KID
from pycose.keys import EC2Key, OKPKey
from pycose.keys.curves import P256, Ed25519
from pycose.messages import Sign1Message


def b64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def main():
    public = json.load(open(sys.argv[1]))
    text = sys.argv[2]
    assert text.startswith("EP1:"), "prefix"
    data = base45.b45decode(text[4:])
    # EP1, like HC1, is zlib-compressed when that makes it smaller; a zlib stream opens with 0x78 here.
    if data[0] == 0x78:
        data = zlib.decompress(data)
    raw = b64url(public["public_key"])
    if public["alg"] == "ed25519":
        key = OKPKey(crv=Ed25519, x=raw)
    else:
        key = EC2Key(crv=P256, x=raw[1:33], y=raw[33:65])
    message = Sign1Message.decode(data)
    message.key = key
    ok = message.verify_signature()
    kid = message.phdr.get(KID)
    claims = cbor2.loads(message.payload)
    epass = claims[-65537]
    out = {
        "signature_valid": bool(ok),
        "kid": kid.hex() if isinstance(kid, bytes) else None,
        "iss": claims[1],
        "exp": claims[4],
        "nbf": claims[5],
        "iat": claims[6],
        "version": epass[0],
        "id_hex": epass[1].hex(),
        "control_packed_hex": epass[2].hex(),
        "kind": epass[3],
        "category": epass[4],
        "purpose": epass[5],
        "zones": epass[6],
        "holder": epass[7],
        "masked_id": epass.get(8),
        "vehicle_plate": epass.get(9),
        "organisation": epass.get(10),
        "status_index": epass[11],
    }
    print(json.dumps(out, ensure_ascii=False))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
