"""stepgrad's engine: a scalar reverse-mode autograd that shows its work.

>>> from autograd import Value
>>> x = Value(0.5, label="x")
>>> y = (x * x).sigmoid()
>>> y.backward()
>>> round(x.grad, 9)
0.246134083

Importing this package needs nothing beyond the standard library; SymPy and graphviz are
imported only inside the functions that use them.
"""

from .anomaly import detect_anomaly
from .check import GradcheckError, GradcheckReport, gradcheck, to_sympy
from .compiled import Compiled, compile, compile_graph
from .derive import explain, explain_forward
from .exercise import Exercise, exercise
from .expr import Derivation
from .graph import backward, topological_order
from .ops import OPS, Op, Partial
from .player_page import Player, player
from .render import draw
from .trace import Trace, trace
from .value import Value, add_n, apply, half_squared_error

__all__ = [
    "Value",
    "explain",
    "explain_forward",
    "Derivation",
    "add_n",
    "apply",
    "half_squared_error",
    "backward",
    "topological_order",
    "detect_anomaly",
    "gradcheck",
    "GradcheckError",
    "GradcheckReport",
    "to_sympy",
    "Op",
    "Partial",
    "OPS",
    "draw",
    "trace",
    "Trace",
    "compile",
    "compile_graph",
    "Compiled",
    "exercise",
    "Exercise",
    "player",
    "Player",
]
