"""Each seed procedure walked through every path a case can take, asserting exactly who
each move tells (one module per seed)."""
