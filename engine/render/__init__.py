"""Reporters: plans and diagnostics as text, JSON, GitHub annotations and SARIF, each picked by a
format name, over one escaping layer. Imports base, plan and catalogue models; nothing
imports render but tools and the CLI.
"""
