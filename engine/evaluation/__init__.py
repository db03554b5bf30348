"""Compile and evaluate: the condition operators (operators), the catalogue compiled into
durable-rules rulesets (compile), the durable-rules host (host) and the evaluation of a
request stage by stage into a Plan (evaluate). Imports base, catalogue, request and plan models.
"""
