"""Makes DCC test vectors for traps the official set lacks: P-384 signer keys (with ES384, and with ES256 as some
producers pair them), an empty protected header, and a tampered payload. Output: surge/*.json in the official
test-case format. Needs cryptography, cbor2 and base45 (the interop virtual environment has them).

The files are committed; run this again only to change them: python3 make_vectors.py
"""

import base64
import datetime
import hashlib
import json
import os
import zlib

import base45
import cbor2
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import NameOID

HERE = os.path.dirname(os.path.abspath(__file__))
CLOCK = "2021-06-01T12:00:00Z"
IAT = 1622505600  # 2021-06-01T00:00:00Z
EXP = 1654041600  # 2022-06-01T00:00:00Z
DGC = {
    "ver": "1.3.0",
    "nam": {"fn": "Musterfrau", "fnt": "MUSTERFRAU", "gn": "Erika", "gnt": "ERIKA"},
    "dob": "1964-08-12",
    "v": [{"tg": "840539006", "vp": "1119349007", "mp": "EU/1/20/1528", "ma": "ORG-100030215", "dn": 2, "sd": 2,
           "dt": "2021-05-29", "co": "AT", "is": "Surge test vectors", "ci": "URN:UVCI:01:AT:SURGETEST0001#X"}],
}


def certificate(key):
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Surge test DSC P-384"),
                      x509.NameAttribute(NameOID.COUNTRY_NAME, "AT")])
    eku = x509.ExtendedKeyUsage([x509.ObjectIdentifier("1.3.6.1.4.1.1847.2021.1.2")])
    return (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(datetime.datetime(2021, 5, 1))
            .not_valid_after(datetime.datetime(2023, 5, 1)).add_extension(eku, critical=False)
            .sign(key, hashes.SHA384()))


def raw_signature(key, data, hash_alg, size):
    r, s = decode_dss_signature(key.sign(data, ec.ECDSA(hash_alg)))
    return r.to_bytes(size, "big") + s.to_bytes(size, "big")


def case(name, description, key, cert_der, alg, hash_alg, protected_empty=False, tamper=False):
    kid = hashlib.sha256(cert_der).digest()[:8]
    payload = cbor2.dumps({1: "AT", 4: EXP, 6: IAT, -260: {1: DGC}})
    if protected_empty:
        protected, unprotected = b"", {1: alg, 4: kid}
    else:
        protected, unprotected = cbor2.dumps({1: alg, 4: kid}), {}
    to_sign = cbor2.dumps(["Signature1", protected, b"", payload])
    signature = raw_signature(key, to_sign, hash_alg, 48)
    if tamper:
        payload = payload.replace(b"Erika", b"Erica")
    cose = cbor2.dumps(cbor2.CBORTag(18, [protected, unprotected, payload, signature]))
    compressed = zlib.compress(cose, 9)
    b45 = base45.b45encode(compressed).decode()
    return name, {
        "JSON": DGC,
        "CBOR": cbor2.dumps(DGC).hex(),
        "COSE": cose.hex(),
        "COMPRESSED": compressed.hex(),
        "BASE45": b45,
        "PREFIX": "HC1:" + b45,
        "TESTCTX": {"VERSION": 1, "SCHEMA": "1.3.0", "CERTIFICATE": base64.b64encode(cert_der).decode(),
                    "VALIDATIONCLOCK": CLOCK, "DESCRIPTION": description},
        "EXPECTEDRESULTS": {"EXPECTEDDECODE": True, "EXPECTEDVERIFY": not tamper, "EXPECTEDUNPREFIX": True,
                            "EXPECTEDVALIDJSON": True, "EXPECTEDCOMPRESSION": True, "EXPECTEDB45DECODE": True,
                            "EXPECTEDEXPIRATIONCHECK": True, "EXPECTEDKEYUSAGE": True},
    }


def main():
    key = ec.generate_private_key(ec.SECP384R1())
    cert_der = certificate(key).public_bytes(serialization.Encoding.DER)
    cases = [
        case("P384_ES384", "VALID: P-384 key, ES384", key, cert_der, -35, hashes.SHA384()),
        case("P384_ES256", "VALID: P-384 key with ES256 (SHA-256 digest)", key, cert_der, -7, hashes.SHA256()),
        case("EMPTY_PROTECTED", "VALID: empty protected header, alg and kid unprotected", key, cert_der, -35,
             hashes.SHA384(), protected_empty=True),
        case("P384_TAMPERED", "INVALID: payload changed after signing", key, cert_der, -35, hashes.SHA384(),
             tamper=True),
    ]
    os.makedirs(os.path.join(HERE, "surge"), exist_ok=True)
    for name, data in cases:
        with open(os.path.join(HERE, "surge", name + ".json"), "w") as f:
            json.dump(data, f, indent=1, ensure_ascii=False)
            f.write("\n")


if __name__ == "__main__":
    main()
