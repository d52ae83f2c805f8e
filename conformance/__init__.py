"""Make the AI/ML API GPT-5.2 chat completions spec trustworthy to build on.

Layers (ARCHITECTURE.md; ``tests/test_architecture.py`` holds the imports to them): the CLI
(``cli``, ``commands``) builds a context from flags and environment and asks the load layer
(``load``: fetch, lock, mirror, parse, overlay) for values that it hands to one stage: ``lint``,
``generate`` (the typed client), ``mock`` (an HTTP server driven by the spec), ``suite`` (the
conformance run), ``traffic`` and ``proxy`` (real exchanges), ``docs`` (doc pages against specs),
``drift`` (semantic spec diffs). Every check yields :class:`conformance.findings.Finding`.
"""

__version__ = "0.1.0"
