"""Networks on top of the ``autograd`` engine (the classic 2-2-2 example and friends)."""
