"""Size figures of the application code: lines of Python and functions longer than a limit.

Usage: python tools/code_stats.py [PACKAGE_DIR] [--limit N] [--list]

Counts every *.py file under the directory (default csi_events, migrations included):
- lines: physical lines (as `wc -l`), and of them the non-blank ones;
- functions: every def / async def (methods and nested functions too), its length counted from the `def` line
  to its last line (decorators excluded, docstring and comments included); "over N" means more than N lines.
"""

from __future__ import annotations

import argparse
import ast
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Function:
    path: Path
    name: str
    line: int
    length: int


def functions_in(path: Path) -> list[Function]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [
        Function(path, node.name, node.lineno, (node.end_lineno or node.lineno) - node.lineno + 1)
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("package", nargs="?", default="csi_events")
    parser.add_argument("--limit", type=int, default=30)
    parser.add_argument("--list", action="store_true", help="list the long functions, longest first")
    args = parser.parse_args()
    files = sorted(Path(args.package).rglob("*.py"))
    lines = [path.read_text(encoding="utf-8").splitlines() for path in files]
    functions = [function for path in files for function in functions_in(path)]
    long = sorted((f for f in functions if f.length > args.limit), key=lambda f: -f.length)
    print(f"files: {len(files)}")
    print(f"lines: {sum(map(len, lines))} (non-blank {sum(1 for text in lines for line in text if line.strip())})")
    print(f"functions: {len(functions)}, over {args.limit} lines: {len(long)}")
    if args.list:
        for function in long:
            print(f"  {function.length:4d}  {function.path}:{function.line}  {function.name}")


if __name__ == "__main__":
    main()
