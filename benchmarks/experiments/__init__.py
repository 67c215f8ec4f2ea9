"""One-question experiments: each module's docstring opens with the question it answered and the
answer it found (with the lab note in ``docs/lab/`` that holds the full tables). Their answers quote
the run that answered them; rerun today they draw the protocol's noise (``denoise_desktop/protocol.py``),
which moves synthetic-noise figures by hundredths of a dB. Run one as
``python -m benchmarks.experiments.NAME --help``."""
