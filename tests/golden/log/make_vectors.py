"""Writes the golden log vectors (session, torn and damaged .log/.json) from the firmware
logbook.

Run from the repository root: python tests/golden/log/make_vectors.py
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


def main():
    data = test_logbook.golden_bytes()
    with open(os.path.join(HERE, "session.log"), "wb") as f:
        f.write(data)
    doc = {
        "file": "00000001.log",
        "good_bytes": len(data),
        "torn": False,
        "damaged": 0,
        "records": test_logbook.GOLDEN_RECORDS,
    }
    with open(os.path.join(HERE, "session.json"), "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    # The same file cut 10 bytes into its fifth record (a power cut while writing it).
    good = 0
    sizes = []
    pos = 0
    while pos < len(data):
        size = 12 + (data[pos + 2] | (data[pos + 3] << 8))
        sizes.append(size)
        pos += size
    good = sum(sizes[:4])
    with open(os.path.join(HERE, "torn.log"), "wb") as f:
        f.write(data[: good + 10])
    doc = {
        "file": "00000001.log",
        "good_bytes": good,
        "torn": True,
        "damaged": 0,
        "records": test_logbook.GOLDEN_RECORDS[:4],
    }
    with open(os.path.join(HERE, "torn.json"), "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    # The same file with one byte of the session start's routine id flipped: that record
    # is lost, its segments and everything after it are read.
    start = sizes[0]
    flipped = bytearray(data)
    flipped[start + 8 + 25] ^= 0x01
    with open(os.path.join(HERE, "damaged.log"), "wb") as f:
        f.write(flipped)
    doc = {
        "file": "00000001.log",
        "good_bytes": len(data),
        "torn": False,
        "damaged": 1,
        "records": test_logbook.GOLDEN_RECORDS[:1] + test_logbook.GOLDEN_RECORDS[2:],
    }
    with open(os.path.join(HERE, "damaged.json"), "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
