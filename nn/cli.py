"""The ``stepgrad`` command."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from .examples import CLASSIC_WEIGHTS, classic_values


def demo(args: argparse.Namespace) -> int:
    """Print the classic network's forward pass and every weight's gradient."""
    v = classic_values()
    print("Forward pass")
    for name in ("net_h1", "out_h1", "net_h2", "out_h2", "net_o1", "out_o1", "net_o2", "out_o2",
                 "E_o1", "E_o2", "E_total"):
        print(f"  {name:<8} = {v[name].data:.9g}")
    v["E_total"].backward()
    print("Backward pass")
    for name in CLASSIC_WEIGHTS:
        print(f"  ∂E_total/∂{name} = {v[name].grad:.9g}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="stepgrad", description="A scalar autograd engine that shows its work.")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("demo", help="the step-by-step worked example of the classic 2-2-2 network").set_defaults(
        run=demo
    )
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
