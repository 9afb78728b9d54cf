"""Writes the golden log vectors (session.log/json, torn.log/json) from the firmware logbook.

Run from the repository root: python tests/golden/log/make_vectors.py
(session-v1.log/json, the same session in log format version 1, are kept as they were
written by the firmware of that version: readers still accept it.)
The expected decodes come from the scenario's own values (GOLDEN_RECORDS in
tests/firmware/test_logbook.py), not from decoding the bytes.
"""

import json
import os
import sys
import types

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
sys.path[:0] = [os.path.join(ROOT, "firmware"), os.path.join(ROOT, "tests", "firmware"),
                os.path.join(ROOT, "tests", "firmware", "cpython")]
sys.modules.setdefault("micropython", types.SimpleNamespace(const=lambda x: x))

import mpcompat  # noqa: E402

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
        "records": test_logbook.GOLDEN_RECORDS[:4],
    }
    with open(os.path.join(HERE, "torn.json"), "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
