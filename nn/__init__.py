"""Networks on top of the ``autograd`` engine (the classic 2-2-2 example and friends).

>>> import nn
>>> from nn.examples import CLASSIC_INPUTS, CLASSIC_TARGETS
>>> net = nn.examples.classic_network()
>>> E = nn.half_sse(net(CLASSIC_INPUTS), CLASSIC_TARGETS)
>>> E.backward()
>>> round(net["w5"].grad, 9)
0.082167041
"""

from . import examples, init
from .activations import ACTIVATIONS, get_activation
from .diagram import draw_network
from .layers import Layer, Network, Neuron, neuron_of
from .losses import LOSSES, bce, half_sse, mse, sse
from .module import Module
from .network_player import player
from .optim import SGD
from .pytorch import compare_with_torch, from_torch, to_torch
from .report import InitReport, diagnose_init
from .train import History, evaluate, train

__all__ = [
    "Module", "Neuron", "Layer", "Network", "neuron_of",
    "ACTIVATIONS", "get_activation",
    "LOSSES", "half_sse", "sse", "mse", "bce",
    "SGD", "train", "evaluate", "History",
    "init", "examples", "diagnose_init", "InitReport",
    "draw_network", "player",
    "to_torch", "from_torch", "compare_with_torch",
]
