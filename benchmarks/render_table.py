"""Print the results of training_speed.py (its --json file) as a Markdown table.

Run:  .venv/bin/python benchmarks/render_table.py benchmarks/results/training_speed.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main() -> None:
    results = json.loads(Path(sys.argv[1]).read_text())
    peak = results["machine"]["peak_gflops"]
    print("| configuration | images/s (median) | runs | × Keras fit, defaults (b32) "
          "| × Keras fit, b128 | GFLOP/s | % of peak |")
    print("| --- | ---: | --- | ---: | ---: | ---: | ---: |")
    for row in results["rows"]:
        runs = ", ".join(f"{value:.0f}" for value in row["runs"])
        print(f"| `{row['name']}` | {row['median_images_per_second']:.0f} | {runs} "
              f"| {row['ratio_to_keras_defaults']:.2f} | {row['ratio_to_keras_b128']:.2f} "
              f"| {row['gflops']:.1f} | {100 * row['gflops'] / peak:.0f} % |")


if __name__ == "__main__":
    main()
