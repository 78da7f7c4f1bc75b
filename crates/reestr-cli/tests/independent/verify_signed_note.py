#!/usr/bin/env python3
"""An independent check of reestr's log formats, written from the specifications, not the code.

    verify_signed_note.py KEYS CHECKPOINT [EXTRACT.json]

KEYS: C2SP signed-note verifier keys, one a line (name+hash+base64(0x01 || Ed25519 key)).
CHECKPOINT: a C2SP tlog-checkpoint signed note. Its Ed25519 signature is checked with PyNaCl,
the key id (first four bytes of SHA-256(name || "\\n" || 0x01 || key)) with hashlib.
EXTRACT: an extract; its signed-note signature, the RFC 6962 leaf of its issuance event
(SHA-256(0x00 || salt || RFC 8785 JSON of the event)) and the inclusion proof (RFC 9162 2.1.3.2)
against its checkpoint are checked too.

Exit 0 when everything verifies; 1 with the reason otherwise.
"""
import base64
import hashlib
import json
import sys

import nacl.exceptions
import nacl.signing


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def parse_keys(text):
    keys = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, key_hash, b64 = line.split("+", 2)
        raw = base64.b64decode(b64)
        if raw[0] != 1 or len(raw) != 33:
            fail("not an Ed25519 verifier key")
        key_id = hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4]
        if key_id.hex() != key_hash:
            fail("a verifier key's hash does not match its key")
        keys[(name, key_id)] = nacl.signing.VerifyKey(raw[1:])
    return keys


def open_note(note, keys):
    """Returns the text of a signed note if a known key signed it."""
    split = note.rfind("\n\n")
    if split < 0:
        fail("no signature block")
    text, sigs = note[: split + 1], note[split + 2 :]
    verified = False
    for line in sigs.splitlines():
        if not line.startswith("\u2014 "):
            fail("a malformed signature line")
        name, b64 = line[2:].split(" ")
        raw = base64.b64decode(b64)
        key = keys.get((name, raw[:4]))
        if key is None:
            continue
        try:
            key.verify(text.encode(), raw[4:])
        except nacl.exceptions.BadSignatureError:
            fail("a signature does not verify")
        verified = True
    if not verified:
        fail("no known key signed the note")
    return text


def jcs(value):
    # RFC 8785 for the values reestr writes (strings, integers, objects, arrays, null, booleans):
    # keys sorted by UTF-16 code units, no whitespace, strings escaped as ECMAScript does.
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def node(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def root_from_inclusion(index, size, leaf, path):
    # RFC 9162, 2.1.3.2.
    if index >= size:
        fail("the leaf is beyond the tree")
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            fail("the proof is too long")
        if fn & 1 or fn == sn:
            r = node(p, r)
            if not fn & 1:
                while fn & 1 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        fail("the proof is too short")
    return r


def parse_checkpoint(text):
    lines = text.split("\n")
    origin, size, root = lines[0], int(lines[1]), base64.b64decode(lines[2])
    if len(root) != 32 or str(size) != lines[1]:
        fail("a malformed checkpoint")
    return origin, size, root


def main():
    keys = parse_keys(open(sys.argv[1], encoding="utf-8").read())
    note = open(sys.argv[2], encoding="utf-8").read()
    origin, size, root = parse_checkpoint(open_note(note, keys))
    print(f"checkpoint of {origin}: {size} events, signature verified")
    if len(sys.argv) > 3:
        doc = json.load(open(sys.argv[3], encoding="utf-8"))
        text = "reestr-extract/1\n" + jcs(doc["extract"]) + "\n"
        if open_note(text + "\n" + doc["signature"], keys) != text:
            fail("the extract's signed text")
        proof = doc["proof"]
        event = proof["event"]
        if event["payload"]["sha256"] != hashlib.sha256(text.encode()).hexdigest():
            fail("the issuance event commits to another extract")
        _, psize, proot = parse_checkpoint(open_note(proof["checkpoint"], keys))
        leaf_data = base64.b64decode(proof["salt"]) + jcs(event).encode()
        leaf = hashlib.sha256(b"\x00" + leaf_data).digest()
        path = [base64.b64decode(h) for h in proof["inclusion"]]
        if root_from_inclusion(proof["leaf_index"], psize, leaf, path) != proot:
            fail("the inclusion proof does not lead to the signed root")
        print(f"extract {doc['extract']['number']}: signature, issuance event and inclusion verified")


if __name__ == "__main__":
    main()
