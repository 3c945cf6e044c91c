"""Paying with medical insurance: opening the insurance order (``flow``) and the life of its
settlement afterwards (``settlements``)."""
