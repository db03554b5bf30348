"""Requests: their shape (model), parsing and checking against a Catalogue (parse), JSON Lines and
folders of requests (lines), and the facts derived from a request (facts) that rules match.
Imports the base and engine.catalogue.
"""
