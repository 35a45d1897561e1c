"""Data shipped with ingest: the default Bao'an rain-gauge station registry (``stations.csv``)."""
