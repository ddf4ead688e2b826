"""The weight's likelihood: how probable the measured gross weight is for a given basket content.

A content is a list of pieces, each a Gaussian (mean, variance) in grams: a fixed-weight product's catalog μ/σ
per piece, a weighed (variable-measure) line's label weight with the label scale's uncertainty. The gross weight
is tare + Σ pieces + the scale's own noise; the tare is the basket label's when it was read, otherwise a mixture
over the store's basket types (equal weights): a hidden label never has to guess one basket type.

Pure functions on plain numbers; :class:`Weighing` keeps the numbers the verdict document shows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from math import exp, log, pi, sqrt
from statistics import NormalDist

from validation_unit.basket import ExpectedBasket, Policy, VisionObservation, WeightObservation

DEFAULT_TARE_SD_G = 5.0  # σ of a basket's tare read from its label when the policy does not know the type
_NORMAL = NormalDist()
_LOG_TINY = -745.0  # log of the smallest positive float: a density that underflowed


def label_sigma_g(weight_g: float) -> float:
    """σ of a variable-measure label's weight: the label scale's interval and accuracy, about 2 g + 1 %."""
    return 2.0 + 0.01 * abs(weight_g)


def scanned_pieces(expected: ExpectedBasket) -> dict[str, list[tuple[float, float]]]:
    """Each scanned piece's (mean, variance) by GTIN-14: a fixed-weight line's pieces, or a weighed line's label."""
    pieces: dict[str, list[tuple[float, float]]] = {}
    for line in expected.lines:
        bucket = pieces.setdefault(line.gtin14, [])
        if line.weight_g is not None:
            bucket.append((float(line.weight_g), label_sigma_g(line.weight_g) ** 2))
        else:
            bucket.extend([(line.weight_mean_g, line.weight_sd_g**2)] * max(line.quantity, 0))
    return pieces


def tare_options(vision: VisionObservation | None, policy: Policy) -> list[tuple[float, float]]:
    """(tare, σ) candidates: the basket's label when read, else every basket type of the policy."""
    if vision is not None and vision.camera_ok and vision.basket_tare_g is not None:
        sd = next((b.tare_sd_g for b in policy.basket_types if b.name == vision.basket_type), DEFAULT_TARE_SD_G)
        return [(vision.basket_tare_g, sd)]
    return [(b.tare_g, b.tare_sd_g) for b in policy.basket_types] or [(0.0, 0.0)]


def _log_normal_pdf(x: float, mean: float, var: float) -> float:
    return -0.5 * (x - mean) ** 2 / var - 0.5 * log(2 * pi * var)


def _log_sum_exp(values: Sequence[float]) -> float:
    top = max(values)
    return top + log(sum(exp(v - top) for v in values))


@dataclass(frozen=True)
class Weighing:
    """The measured gross weight against the scanned content, under the tare that explains it best."""

    measured_g: float
    content_mean_g: float  # the scanned content, without the tare
    content_var: float
    scale_var: float
    tares: tuple[tuple[float, float], ...]  # (tare, σ) candidates, equally likely
    floor_g: float

    def sigma(self, tare_sd: float, delta_var: float = 0.0) -> float:
        return max(sqrt(max(self.content_var + delta_var + self.scale_var + tare_sd**2, 0.0)), self.floor_g)

    def log_likelihood(self, delta_mean: float = 0.0, delta_var: float = 0.0) -> float:
        """log p(measured | the scanned content changed by ``delta_mean`` ± ``delta_var``), over the tares."""
        terms = []
        for tare, sd in self.tares:
            s = self.sigma(sd, delta_var)
            terms.append(_log_normal_pdf(self.measured_g, tare + self.content_mean_g + delta_mean, s * s))
        return _log_sum_exp(terms) - log(len(terms))

    def log_likelihood_uniform(self, low_g: float, high_g: float, delta_var: float = 0.0) -> float:
        """log p(measured | the content changed by an unknown amount, uniform in [low, high] g): personal items,
        or something no edit of the scan explains."""
        terms = []
        for tare, sd in self.tares:
            s = self.sigma(sd, delta_var)
            r = self.measured_g - tare - self.content_mean_g
            mass = _NORMAL.cdf((r - low_g) / s) - _NORMAL.cdf((r - high_g) / s)
            terms.append(log(mass / (high_g - low_g)) if mass > 0 else _LOG_TINY)
        return _log_sum_exp(terms) - log(len(terms))

    def best_tare(self) -> tuple[float, float]:
        """The candidate tare under which the scanned content fits the weight best."""
        return min(self.tares, key=lambda t: abs(self.measured_g - t[0] - self.content_mean_g) / self.sigma(t[1]))

    def expected_g(self) -> float:
        return self.best_tare()[0] + self.content_mean_g

    def sigma_g(self) -> float:
        return self.sigma(self.best_tare()[1])

    def residual_g(self) -> float:
        return self.measured_g - self.expected_g()

    def z(self) -> float:
        return self.residual_g() / self.sigma_g()


def weighing(
    weight: WeightObservation, expected: ExpectedBasket, vision: VisionObservation | None, policy: Policy
) -> Weighing:
    pieces = scanned_pieces(expected)
    return Weighing(
        measured_g=weight.gross_g,
        content_mean_g=sum(m for bucket in pieces.values() for m, _ in bucket),
        content_var=sum(v for bucket in pieces.values() for _, v in bucket),
        scale_var=weight.sigma_g**2,
        tares=tuple(tare_options(vision, policy)),
        floor_g=policy.sigma_floor_g,
    )
