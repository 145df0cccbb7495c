"""One folder per family: world, model, metrics, and where they exist kernel, theory, retrieval.

Each folder's ``__init__`` registers the family under the names experiment
files use. Adding a family is adding a folder (``docs/new-family.md``).
"""
