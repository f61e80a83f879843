"""The consultation log: advice given at a point without (or before) a dossier."""
