"""misgen: a formal taxonomy and explainable rule-based classifier of AI goal failures.

The package is the machinery; the knowledge lives in the data folders (``taxonomy/``,
``classifier/``, ``cases/``). Layers: :mod:`misgen.yamlio` (hardened YAML) ->
:mod:`misgen.models` (strict models) -> :mod:`misgen.kb` (load and cross-check) ->
:mod:`misgen.engine` (pure classification) -> renderers.
"""

__version__ = "0.1.0"
