"""What is built on the pipeline: analysis of a catalogue's rules and its cache, explain, diff,
batch, scenario cases, the generated request space, docs and schemas. May import every
package below it; nothing in engine imports tools but tools.
"""
