"""Make the AI/ML API GPT-5.2 chat completions spec trustworthy to build on.

Stages (one module or sub-package each): ``fetch`` (pin and fetch the published
spec), ``lint`` (rules over a spec), ``overlay`` (declared normalisation),
``generate`` (the typed client), ``mock`` (an HTTP server driven by the spec),
``suite`` (the conformance run), ``docs`` (doc pages against specs), ``drift``
(semantic spec diffs). Every check yields :class:`conformance.findings.Finding`.
"""

__version__ = "0.1.0"
