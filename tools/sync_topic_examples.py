"""Add the routine messages of the labelled English sets to the topic classifier's examples.

    python tools/sync_topic_examples.py           # append what is missing to bot/content/topic_examples.jsonl
    python tools/sync_topic_examples.py --check   # exit 1 if a labelled routine message is missing

The classifier picks the routine topic of every English message, so it learns from every routine
message a labelled set holds (each example keeps the set it came from in "from"). Run this after a new
labelled set has been measured once on the engine as it stood: a set is only unseen until then.
eval5 stays out: it is the first unseen measure the project kept (tests/answers/test_answer_quality.py).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "bot" / "content" / "topic_examples.jsonl"
DATA = ROOT / "tests" / "data"
# Sets that are not English, or kept out of the examples on purpose.
SKIPPED_PREFIXES = ("es_", "languages_")
KEPT_OUT = frozenset({"eval5_messages.jsonl"})


def _key(text: str) -> str:
    return " ".join(text.lower().split())


def missing_examples() -> list[dict[str, str]]:
    """Routine messages of the labelled sets that the examples file does not hold yet, in set order."""
    present = {
        _key(json.loads(line)["text"])
        for line in EXAMPLES.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("//")
    }
    out: list[dict[str, str]] = []
    for path in sorted(DATA.glob("*.jsonl")):
        if path.name.startswith(SKIPPED_PREFIXES) or path.name in KEPT_OUT:
            continue
        source = path.name.removesuffix("_messages.jsonl").removesuffix(".jsonl")
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            if row.get("urgency") != "routine" or _key(row["text"]) in present:
                continue
            present.add(_key(row["text"]))
            out.append({"text": row["text"], "topic": row["topic"], "from": source})
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report; exit 1 if anything is missing")
    args = parser.parse_args(argv)
    missing = missing_examples()
    if args.check:
        for row in missing[:20]:
            print(f"missing ({row['from']}): {row['text'][:70]!r}")
        return 1 if missing else 0
    with EXAMPLES.open("a", encoding="utf-8") as out:
        for row in missing:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"added {len(missing)} examples to {EXAMPLES.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
