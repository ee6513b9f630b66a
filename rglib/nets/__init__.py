"""Deep networks: Gaussian quadrature of activations, mean-field signal propagation and its criticality, random MLPs.

Submodules: ``criticality``, ``meanfield``, ``mlp``, ``quadrature``. Their public names are also available
here, imported on first use (``from rglib.nets import ...``).
"""
from .._lazy import attach

__getattr__, __dir__, __all__ = attach(
    __name__,
    {
        'meanfield': [
            'MAX_VARIANCE', 'MAX_DEPTH', 'MAX_MAP_EVALUATIONS', 'MAX_PAIR_EVALUATIONS', 'q_map', 'c_map',
            'KernelMapResult', 'kernel_map', 'q_trajectory', 'c_trajectory', 'kernel_trajectory'
        ],
        'criticality': [
            'fixed_point_q', 'fixed_point_c', 'chi1', 'chi_c', 'correlation_depth', 'length_depth', 'PhaseSummary',
            'phase_summary', 'CriticalLine', 'critical_line', 'critical_weight_variance'
        ],
        'mlp': [
            'GaussianMLP', 'empirical_kernels', 'sample_preactivation_kernels', 'inputs_with_gram'
        ],
        'quadrature': [
            'ACTIVATIONS', 'MAX_UNIFORM_VARIANCE', 'QuadratureRule', 'gauss_hermite', 'trapezoid_rule',
            'normal_expectation'
        ],
    },
)
