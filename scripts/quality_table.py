"""Print (or write into README.md) the extraction quality table: `kg evaluate` over the real
corpora first, then over synthetic ones this project generates itself.

    .venv/bin/python scripts/quality_table.py            # print the Markdown table
    .venv/bin/python scripts/quality_table.py --readme   # and replace the one in README.md

Rows: ../shared/corpus/dev (the real passages, one row per variant; left out with a note
when ../shared is not beside the repository), the bundled real report in examples/, and
synthetic corpora from kg.synthetic at three noise levels (self-generated: written
alongside the extractor, so they show what it already knows).
"""
from __future__ import annotations

import argparse
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kg import evaluate as ev  # noqa: E402
from kg.synthetic import write_corpus  # noqa: E402

DEV = ROOT.parent / "shared" / "corpus" / "dev"
SYNTHETIC = ((0.0, "clean"), (0.3, "OCR noise 0.3"), (1.0, "OCR noise 1.0"))
SYNTHETIC_REPORTS, SYNTHETIC_SEED = 80, 7
BEGIN, END = "<!-- quality table: scripts/quality_table.py --readme -->", "<!-- end of quality table -->"


def table() -> str:
    rows = [ev.TABLE_HEADER]
    if DEV.is_dir():
        rows += ev.markdown_rows("corpus/dev: 22 real passages, hand-annotated", ev.evaluate_corpus(DEV))
    else:
        print(f"note: {DEV} is not there: its rows are left out", file=sys.stderr)
    for text in sorted((ROOT / "examples").glob("*.txt")):
        gold = text.with_name(text.name[:-len(".txt")] + ".gold.jsonl")
        if gold.exists():
            rows += ev.markdown_rows(f"{text.name.split('.')[0]}: real OCR report",
                                     {ev.NO_VARIANT: ev.evaluate_file(text, gold)})
    with tempfile.TemporaryDirectory() as tmp:
        for noise, name in SYNTHETIC:
            folder = Path(tmp) / name
            write_corpus(folder, SYNTHETIC_REPORTS, seed=SYNTHETIC_SEED, noise=noise)
            rows += ev.markdown_rows(f"synthetic (self-generated, kg.synthetic), {name}",
                                     ev.evaluate_corpus(folder))
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--readme", action="store_true", help="replace the table in README.md (between its markers)")
    args = ap.parse_args(argv)
    text = table()
    print(text)
    if args.readme:
        readme = ROOT / "README.md"
        content = readme.read_text(encoding="utf-8")
        pattern = re.compile(re.escape(BEGIN) + r".*?" + re.escape(END), re.S)
        if not pattern.search(content):
            print(f"error: {readme}: no quality table markers ({BEGIN} … {END})", file=sys.stderr)
            return 1
        readme.write_text(pattern.sub(lambda _: f"{BEGIN}\n{text}\n{END}", content), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
