"""Dynamic weighing: the final weight of a load that still rings, from a fit of its damped step response.

A load put on the tray rings (a mass on the load cells' springs) and the classic stability rule waits until the
ringing has died below 1 e. A checkweigher does not wait: the gross load after a step is, to the noise,

    y(t) = W + exp(−(t − t₀)/τ) · (a·cos ω(t − t₀) + b·sin ω(t − t₀))

(W the final weight; one mode of ringing at ω = 2πf, damped with time constant τ). For a given (f, τ) the model
is linear in (W, a, b): linear least squares over a coarse grid of f and τ finds the start, Levenberg–Marquardt
on all five parameters the optimum (numpy only; each new sample starts from the last fit). Nothing here knows
the simulator's physics: only the (device time, gross grams) samples the host sees, and ranges of f and τ wide
enough for a real tray.

When is the estimate trusted (:meth:`DynamicWeigher.update` returns it)? Only when all of these hold:

* enough data: at least ``min_samples`` samples over ``min_span_s`` since the load changed;
* the model holds: the residuals' rms is at most ``residual_rms_e`` (pure noise is ~0.1 e);
* the estimate is certain: ``sigmas`` standard errors of W (from the Jacobian of the full five-parameter fit,
  so the uncertainty of f and τ counts) lie within ``uncertainty_e``, so with the display's rounding (0.5 e)
  the reading stays within 1 e;
* the model is not leant on too hard: the ringing left at the last sample is at most ``max_ringing_e``
  (a wrong model's error grows with the swing it has to explain);
* the load does not creep: a fit with a linear trend added finds none steeper than ``max_slope_e_per_s``
  (beyond 3 σ of its own uncertainty).

The fit starts at the first sample after the classic rule last saw the load at rest (:meth:`observe`). Samples
that do not fit the model (the step's edge, crests the firmware's spike filter clipped) make the fit drop the
oldest samples until it does, which is also how a second item landing mid-fit resets it. Once trusted, a sample
further than ``jump_e`` from the model's prediction means the load changed: the fit starts again from it.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

# How many of the oldest samples a fit that does not hold tries without (a few fits per sample at most).
TRIM_STEPS = (0, 1, 2, 3, 5, 8, 12, 18)


@dataclass(frozen=True, slots=True)
class DynamicCriteria:
    """What the estimator fits and when it trusts the result (scale intervals ``e`` as the unit)."""

    freq_hz: tuple[float, float] = (2.5, 20.0)  # a loaded tray rings at 4–15 Hz; margin both ways
    tau_s: tuple[float, float] = (0.008, 0.25)  # envelope time constants the grid covers
    min_samples: int = 10
    min_span_s: float = 0.11
    max_span_s: float = 0.6  # older samples add little once the ringing has faded, and cost time
    residual_rms_e: float = 0.15
    uncertainty_e: float = 0.25
    max_ringing_e: float = 60.0
    max_slope_e_per_s: float = 1.0
    jump_e: float = 3.0
    sigmas: float = 3.0  # the bound on W is this many of its standard errors (all five parameters free)
    noise_floor_e: float = 0.02  # the residual's σ is never taken below this (noise-free synthetic data)


DYNAMIC_ON = DynamicCriteria()  # the default of the engine and the scale: dynamic weighing on


@dataclass(frozen=True, slots=True)
class Estimate:
    """The fit's answer for the newest sample."""

    grams: float  # the final (settled) gross weight
    uncertainty_g: float  # half-width that bounds the final weight (profile over f, τ and ±2 σ)
    residual_rms_g: float
    ringing_g: float  # amplitude of the ringing left at the newest sample
    slope_g_per_s: float  # of the trend fit (creep)
    freq_hz: float
    tau_s: float
    samples: int
    span_s: float
    trusted: bool
    why: str  # "" when trusted, else the first test that failed
    origin_s: float = 0.0  # t₀ of the model: the first sample fitted
    ringing_ab_g: tuple[float, float] = (0.0, 0.0)  # (a, b) at t₀

    def predict(self, t: float) -> float:
        """The model's gross load at ``t``: the final weight plus the ringing it still expects."""
        x = t - self.origin_s
        w = 2 * math.pi * self.freq_hz
        a, b = self.ringing_ab_g
        return self.grams + math.exp(-x / self.tau_s) * (a * math.cos(w * x) + b * math.sin(w * x))


@dataclass(frozen=True, slots=True)
class _Fit:
    w: np.ndarray  # (G,) final weight per grid point
    rss: np.ndarray  # (G,)
    var_w: np.ndarray  # (G,) (XᵀX)⁻¹[0, 0]
    a: np.ndarray
    b: np.ndarray


def _model(x: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Model values and Jacobian (n, 5) for p = (W, a, b, ω, α): W + e^(−αx)(a cos ωx + b sin ωx)."""
    import numpy as np  # on first use: importing firmware_bridge stays light

    w_final, a, b, omega, alpha = p
    env = np.exp(-alpha * x)
    cos, sin = np.cos(omega * x), np.sin(omega * x)
    ring = env * (a * cos + b * sin)
    jac = np.stack(
        [np.ones_like(x), env * cos, env * sin, env * x * (b * cos - a * sin), -x * ring],
        axis=1,
    )
    return w_final + ring, jac


def _refine(x: np.ndarray, y: np.ndarray, p0: np.ndarray, c: DynamicCriteria) -> tuple[np.ndarray, float, np.ndarray]:
    """Levenberg–Marquardt from the grid's best point: (parameters, residual sum of squares, (JᵀJ)⁻¹)."""
    import numpy as np  # on first use: importing firmware_bridge stays light

    lo = np.array([-np.inf, -np.inf, -np.inf, 2 * math.pi * c.freq_hz[0] * 0.8, 1 / (c.tau_s[1] * 1.5)])
    hi = np.array([np.inf, np.inf, np.inf, 2 * math.pi * c.freq_hz[1] * 1.2, 1 / (c.tau_s[0] * 0.8)])
    p = p0
    value, jac = _model(x, p)
    r = y - value
    rss = float(r @ r)
    lam = 1e-3
    for _ in range(30):
        jtj = jac.T @ jac
        grad = jac.T @ r
        damp = jtj + lam * np.diag(np.diag(jtj) + 1e-12)
        try:
            step = np.linalg.solve(damp, grad)
        except np.linalg.LinAlgError:
            break
        trial = np.clip(p + step, lo, hi)
        v2, j2 = _model(x, trial)
        r2 = y - v2
        rss2 = float(r2 @ r2)
        if rss2 < rss:
            converged = rss - rss2 < 1e-9 * max(rss, 1e-12)
            p, jac, r, rss, lam = trial, j2, r2, rss2, lam / 5
            if converged:
                break
        else:
            lam *= 10
            if lam > 1e8:
                break
    jtj = jac.T @ jac
    try:
        cov = np.linalg.inv(jtj + np.eye(5) * 1e-12 * np.trace(jtj))
    except np.linalg.LinAlgError:
        cov = np.full((5, 5), np.inf)
    return p, rss, cov


def _fit_grid(x: np.ndarray, y: np.ndarray, freqs: np.ndarray, taus: np.ndarray) -> _Fit:
    """Linear least squares of y = W + e^(−x/τ)(a cos 2πfx + b sin 2πfx) for every (f, τ) pair given."""
    import numpy as np  # on first use: importing firmware_bridge stays light

    env = np.exp(-x[None, :] / taus[:, None])
    phase = 2 * math.pi * freqs[:, None] * x[None, :]
    basis = np.stack([np.ones_like(env), env * np.cos(phase), env * np.sin(phase)], axis=2)  # (G, n, 3)
    xtx = np.einsum("gni,gnj->gij", basis, basis)
    xtx += np.eye(3)[None] * 1e-12 * np.trace(xtx, axis1=1, axis2=2)[:, None, None]
    xty = np.einsum("gni,n->gi", basis, y)
    beta = np.linalg.solve(xtx, xty[..., None])[..., 0]
    resid = y[None, :] - np.einsum("gni,gi->gn", basis, beta)
    inv00 = np.linalg.inv(xtx)[:, 0, 0]
    return _Fit(beta[:, 0], np.einsum("gn,gn->g", resid, resid), inv00, beta[:, 1], beta[:, 2])


class DynamicWeigher:
    """Feed it (device time, gross grams, e) after every sample; it returns a trusted final weight or None."""

    def __init__(self, criteria: DynamicCriteria | None = None) -> None:
        import numpy as np  # on first use: importing firmware_bridge stays light

        self.criteria = c = criteria or DynamicCriteria()
        f_lo, f_hi = c.freq_hz
        t_lo, t_hi = c.tau_s
        coarse_f = np.arange(f_lo, f_hi + 1e-9, 1.0)
        coarse_t = np.geomspace(t_lo, t_hi, 8)
        ff, tt = np.meshgrid(coarse_f, coarse_t, indexing="ij")
        self._coarse = (ff.ravel(), tt.ravel())
        self._samples: deque[tuple[float, float]] = deque()
        self._resting = False  # observe() was the last call: the next update() starts a change
        self._last_fed = math.nan  # time of the last sample given to update()
        self.last: Estimate | None = None  # the last fit (trusted or not), for diagnostics
        self.trusted: Estimate | None = None  # the current trusted estimate, until the load changes

    def reset(self) -> None:
        self._samples.clear()
        self._resting = False
        self.last = None
        self.trusted = None

    def observe(self, t: float, gross_g: float) -> None:
        """The classic rule says the load is at rest: no fit (the stability rule's weight is shown)."""
        self._append(t, gross_g)
        self.trusted = None
        self._resting = True

    def update(self, t: float, gross_g: float, e_g: float, doubtful: bool = False) -> Estimate | None:
        """One sample; returns the trusted estimate of the final weight, or None (the stability rule decides).

        ``doubtful``: this sample or the one before repeats a raw value exactly (the firmware's spike filter put
        a neighbour's value in place of a crest, or a cell was stale): both are left out of the fit."""
        if e_g <= 0:
            raise ValueError(f"the scale interval must be positive, not {e_g}")
        c = self.criteria
        if doubtful and not self._resting:
            if self._samples and self._samples[-1][0] == self._last_fed:
                self._samples.pop()
            self._last_fed = t
            if self.trusted is not None and abs(gross_g - self.trusted.predict(t)) > c.jump_e * e_g:
                self._samples.clear()
                self.trusted = None
            return self.trusted
        self._last_fed = t
        if self._resting:
            # The load was at rest until now: the change starts with this sample, the rest belongs to the old load.
            self._samples.clear()
            self._resting = False
        elif self.trusted is not None and abs(gross_g - self.trusted.predict(t)) > c.jump_e * e_g:
            self._samples.clear()  # the load changed: what came before belongs to the old one
            self.trusted = None
        self._append(t, gross_g)
        estimate = self._fit_trimmed(e_g)
        self.last = estimate
        self.trusted = estimate if estimate is not None and estimate.trusted else None
        return self.trusted

    # -- internals -------------------------------------------------------------------------------------

    def _append(self, t: float, gross_g: float) -> None:
        s = self._samples
        if s and t <= s[-1][0]:  # time went backwards or stood still (MCU reboot): start again
            s.clear()
            self.trusted = None
        s.append((t, gross_g))
        while s and t - s[0][0] > self.criteria.max_span_s:
            s.popleft()

    def _fit_trimmed(self, e_g: float) -> Estimate | None:
        """Fit the newest samples, dropping the oldest until the model holds (the change and its edge)."""
        c = self.criteria
        last: Estimate | None = None
        for drop in TRIM_STEPS:
            if len(self._samples) - drop < c.min_samples:
                break
            estimate = self._fit(list(self._samples)[drop:], e_g)
            if estimate.residual_rms_g <= c.residual_rms_e * e_g:
                for _ in range(drop):  # they will not fit later either
                    self._samples.popleft()
                return estimate
            last = estimate
        return last

    def _fit(self, samples: list[tuple[float, float]], e_g: float) -> Estimate:
        import numpy as np  # on first use: importing firmware_bridge stays light

        c = self.criteria
        t = np.array([s[0] for s in samples])
        y = np.array([s[1] for s in samples])
        x = t - t[0]
        offset = float(y[-1])  # numerically kinder: fit the change around the newest value
        yc = y - offset
        n = len(y)
        span = float(x[-1])

        p, rss, cov_unscaled = None, math.inf, None
        prev = self.last
        if prev is not None and prev.origin_s == float(t[0]) and prev.residual_rms_g <= c.residual_rms_e * e_g:
            # Same samples plus one: start from the last fit (a few iterations instead of the grid).
            a0, b0 = prev.ringing_ab_g
            p0 = np.array([prev.grams - offset, a0, b0, 2 * math.pi * prev.freq_hz, 1 / prev.tau_s])
            p, rss, cov_unscaled = _refine(x, yc, p0, c)
        if p is None or math.sqrt(rss / n) > c.residual_rms_e * e_g:
            coarse = _fit_grid(x, yc, *self._coarse)
            g = int(np.argmin(coarse.rss))
            f0, tau0 = self._coarse[0][g], self._coarse[1][g]
            p0 = np.array([coarse.w[g], coarse.a[g], coarse.b[g], 2 * math.pi * f0, 1 / tau0])
            p, rss, cov_unscaled = _refine(x, yc, p0, c)
        assert p is not None and cov_unscaled is not None
        dof = max(n - 5, 1)
        sigma2 = max(rss / dof, (c.noise_floor_e * e_g) ** 2)
        w_best, a, b = float(p[0]), float(p[1]), float(p[2])
        freq, tau = float(p[3] / (2 * math.pi)), float(1 / p[4])
        sigma_w = math.sqrt(sigma2 * max(float(cov_unscaled[0, 0]), 0.0))
        uncertainty = c.sigmas * sigma_w
        ringing = math.hypot(a, b) * math.exp(-span / tau)
        slope, slope_sigma = self._trend(x, yc, freq, tau, sigma2)
        residual_rms = math.sqrt(rss / n)

        why = ""
        if n < c.min_samples or span < c.min_span_s:
            why = "too few samples"
        elif residual_rms > c.residual_rms_e * e_g:
            why = "the model does not fit"
        elif abs(slope) > c.max_slope_e_per_s * e_g and abs(slope) > 3 * slope_sigma:
            why = "the load creeps"
        elif ringing > c.max_ringing_e * e_g:
            why = "still ringing too hard"
        elif uncertainty > c.uncertainty_e * e_g:
            why = "too uncertain"
        estimate = Estimate(
            grams=w_best + offset,
            uncertainty_g=uncertainty,
            residual_rms_g=residual_rms,
            ringing_g=ringing,
            slope_g_per_s=slope,
            freq_hz=freq,
            tau_s=tau,
            samples=n,
            span_s=span,
            trusted=not why,
            why=why,
            origin_s=float(t[0]),
            ringing_ab_g=(a, b),
        )
        return estimate

    @staticmethod
    def _trend(x: np.ndarray, y: np.ndarray, freq: float, tau: float, sigma2: float) -> tuple[float, float]:
        """Slope (g/s) and its σ when a linear trend is fitted along with the best ringing."""
        import numpy as np  # on first use: importing firmware_bridge stays light

        env = np.exp(-x / tau)
        w = 2 * math.pi * freq
        basis = np.stack([np.ones_like(x), x - x.mean(), env * np.cos(w * x), env * np.sin(w * x)], axis=1)
        xtx = basis.T @ basis
        xtx += np.eye(4) * 1e-12 * np.trace(xtx)
        beta = np.linalg.solve(xtx, basis.T @ y)
        var = float(np.linalg.inv(xtx)[1, 1]) * sigma2
        return float(beta[1]), math.sqrt(max(var, 0.0))
