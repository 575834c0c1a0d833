"""The procedure engine: definitions, working days, deadlines, legal moves and the
events a case can have (:mod:`.events`).

Pure Python: nothing in this package imports Django.
"""
