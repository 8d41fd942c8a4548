"""Suggested signal answers from plain text (``misgen suggest``).

Every suggestion rests on quoted sentences of the text, found by the cues of
``classifier/cues.yaml`` (plain phrase matching, no regular expressions). A suggestion is
never an answer: ``suggested: true`` answers count as unknown until a person confirms them
(``misgen classify -i --from-text``), or the user says ``--accept-suggestions``.

Layers: :mod:`.text` (sentences and tokens, with character offsets), :mod:`.cues` (loading
and validating the cue file), :mod:`.match` (pure: text and cues in, suggestions out),
:mod:`.evaluate` (precision and coverage on the case base), :mod:`.command` (the CLI edge)
and :mod:`.review` (the confirm / change / clear questionnaire).
"""
