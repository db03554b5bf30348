"""Stage 1-2 for catalogues: read the YAML files (documents), their shapes (pydantic models:
types, service, rule, pipeline), the facts rules may read, the checks across files, and the
loaded Catalogue. Imports only the shared base (engine.errors, engine.codes, engine.files).
"""
