"""Writes the golden log vectors (session, torn and damaged .log/.json) from the firmware
logbook.

Run from the repository root: python tests/golden/log/make_vectors.py
(session-v1.log/json, the same session in log format version 1, are kept as they were
written by the firmware of that version: readers still accept it.)
The expected decodes come from the scenario's own values (GOLDEN_RECORDS in
tests/firmware/test_logbook.py), not from decoding the bytes.
"""

import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
sys.path[:0] = [os.path.join(ROOT, "firmware"), os.path.join(ROOT, "tests", "firmware"),
                os.path.join(ROOT, "tests", "firmware", "cpython")]

import mpcompat  # noqa: E402 - MicroPython's micropython.const and time.ticks_*

mpcompat.install()

import test_logbook  # noqa: E402


def _vector(name, data, good_bytes, torn, damaged, records):
    # NAME.log and NAME.json: the bytes, and what a reader keeps of them.
    with open(os.path.join(HERE, name + ".log"), "wb") as f:
        f.write(data)
    doc = {"file": "00000001.log", "good_bytes": good_bytes, "torn": torn, "damaged": damaged,
           "records": records}
    with open(os.path.join(HERE, name + ".json"), "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")


def main():
    data = test_logbook.golden_bytes()
    records = test_logbook.GOLDEN_RECORDS
    _vector("session", data, len(data), False, 0, records)
    sizes = []
    pos = 0
    while pos < len(data):
        size = 12 + (data[pos + 2] | (data[pos + 3] << 8))
        sizes.append(size)
        pos += size
    # The same file cut 10 bytes into its fifth record (a power cut while writing it).
    good = sum(sizes[:4])
    _vector("torn", data[: good + 10], good, True, 0, records[:4])
    # The same file with one byte of the session start's routine id flipped: that record
    # is lost, its segments and everything after it are read.
    flipped = bytearray(data)
    flipped[sizes[0] + 8 + 25] ^= 0x01
    _vector("damaged", bytes(flipped), len(data), False, 1, records[:1] + records[2:])


if __name__ == "__main__":
    main()
