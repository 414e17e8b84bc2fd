"""Ensembles of probability files: weight search, cross-validated estimates, ensemble specs."""
