"""Qt layer: QThread plumbing around blocking core calls."""
