"""The polynomial kernel's synthetic statistics in one compiled pass (needs numba).

Loaded through :func:`modelcollapse.core.compiled.load`; the numpy path is
:meth:`~modelcollapse.families.regression.kernel.PolynomialFamily.synthetic_statistics`
with :func:`~modelcollapse.families.regression.kernel.sufficient_statistics`.
"""

from __future__ import annotations

import numpy as np
from numba import njit

MAX_COEFFICIENTS = 4
"""Up to a cubic; the kernel's numpy path fits higher degrees."""

BLOCK = 256
"""Replicates per block: the block's running sums stay in the first-level cache."""


@njit(cache=True, nogil=True)
def noise_statistics(uniforms, normals, scale, shift, sigma, p, power_sums, moments):
    """Power sums of the inputs and moments of the noise, read once from the raw draws.

    Computes what the numpy path computes, with the same operations in the same
    order for every replicate, so the results are equal bit for bit: the inputs
    ``uniforms * scale + shift``, the noise ``normals * sigma``, the power sums
    Σuᵏ (k = 1 … 2p − 2), with powers by repeated multiplication as the numpy
    path updates them, and the moments Σuᵏ·noise (k = 0 … p − 1), each product
    rounded before it is added. Every sum starts at 0.0 and adds the rows in
    order, as numpy reduces over the first axis of an (n, R) array when R > 1
    (with R = 1 numpy sums pairwise, so the kernel keeps its numpy path there).
    The powers of a cubic's normal equations stay in registers, and the loop
    runs over a block of replicates, so it vectorises and the block's sums stay
    in cache: one pass over the draws instead of about fifteen. Sums a lower
    degree does not need are computed and dropped.

    Parameters
    ----------
    uniforms, normals : ndarrays of shape (n, R)
        The raw draws (``Generator.random`` and ``standard_normal``), unchanged.
    scale, shift : float
        The affine map from a uniform draw to the unit interval.
    sigma : float
        The model's noise scale.
    p : int
        Number of coefficients, at most :data:`MAX_COEFFICIENTS` (else ValueError).
    power_sums : ndarray of shape (2p - 1, R)
        Filled: row 0 is n, row k is Σuᵏ.
    moments : ndarray of shape (p, R)
        Filled: row k is Σuᵏ·noise.
    """
    if p > MAX_COEFFICIENTS:
        raise ValueError("noise_statistics computes at most MAX_COEFFICIENTS coefficients")
    n, R = uniforms.shape
    sums = np.empty((2 * MAX_COEFFICIENTS - 1, BLOCK))
    products = np.empty((MAX_COEFFICIENTS, BLOCK))
    s1, s2, s3, s4, s5, s6 = sums[1], sums[2], sums[3], sums[4], sums[5], sums[6]
    m0, m1, m2, m3 = products[0], products[1], products[2], products[3]
    for start in range(0, R, BLOCK):
        width = min(BLOCK, R - start)
        for i in range(n):
            u_row = uniforms[i, start:start + width]
            z_row = normals[i, start:start + width]
            if i == 0:                          # start the block's sums at 0.0
                for r in range(width):
                    x = u_row[r] * scale + shift
                    e = z_row[r] * sigma
                    m0[r] = 0.0 + e             # 0.0 + makes -0.0 what numpy's sum gives
                    s1[r] = 0.0 + x
                    m1[r] = 0.0 + x * e
                    q = x * x
                    s2[r] = 0.0 + q
                    m2[r] = 0.0 + q * e
                    q = q * x
                    s3[r] = 0.0 + q
                    m3[r] = 0.0 + q * e
                    q = q * x
                    s4[r] = 0.0 + q
                    q = q * x
                    s5[r] = 0.0 + q
                    s6[r] = 0.0 + q * x
            else:
                for r in range(width):
                    x = u_row[r] * scale + shift
                    e = z_row[r] * sigma
                    m0[r] += e
                    s1[r] += x
                    m1[r] += x * e
                    q = x * x
                    s2[r] += q
                    m2[r] += q * e
                    q = q * x
                    s3[r] += q
                    m3[r] += q * e
                    q = q * x
                    s4[r] += q
                    q = q * x
                    s5[r] += q
                    s6[r] += q * x
        power_sums[0, start:start + width] = n
        for k in range(1, 2 * p - 1):
            power_sums[k, start:start + width] = sums[k, :width]
        for k in range(p):
            moments[k, start:start + width] = products[k, :width]
