"""`warta demo`: the whole cycle on sample sources served from this machine.

Never part of a Lambda bundle.
"""
