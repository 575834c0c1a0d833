"""The procedure engine: definitions, working days, deadlines and legal moves.

Pure Python: nothing in this package imports Django.
"""
