"""The site's MkDocs plugin, shaped like Material's: :mod:`.config` (the options),
:mod:`.plugin` (the events, in order), :mod:`.context` (what one build shares)."""
