"""City sampled audit (抽检核查): sample sizing, reproducible stratified draws, error-rate estimation."""

from canbao.audit.estimation import estimate, estimate_from, stratified_estimate, wilson
from canbao.audit.sampling import draw_samples
from canbao.audit.sizing import allocate, sample_size

__all__ = ["allocate", "draw_samples", "estimate", "estimate_from", "sample_size", "stratified_estimate", "wilson"]
