"""Noise models fitted to one image (Qt-free, numpy only).

``poisson_gaussian``: signal-dependent noise, variance = a·signal + b (photon counting plus read
noise: microscopy, astronomy, low light, camera RAW before demosaicing).
``vst``: the generalised Anscombe transform that makes such noise Gaussian with σ = 1, and its
exact unbiased inverse, so a Gaussian denoiser can run in between without biasing the mean.
"""

from .poisson_gaussian import PoissonGaussianFit, fit_poisson_gaussian, fit_channels
from .vst import gat_forward, gat_inverse

__all__ = ["PoissonGaussianFit", "fit_poisson_gaussian", "fit_channels", "gat_forward", "gat_inverse"]
