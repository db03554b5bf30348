"""The result of an evaluation: the Plan and its parts (model). Imports only the catalogue's
base types.
"""
