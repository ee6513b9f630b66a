"""Deep networks: Gaussian quadrature of activations, mean-field signal propagation, random MLPs, and the
papers' architectures trained many at a time.

Submodules: ``architectures``, ``meanfield``, ``mlp``, ``quadrature``, ``stacked``, ``training``. Their public
names are also available here, imported on first use (``from rglib.nets import ...``).
"""
from .._lazy import attach

__getattr__, __dir__, __all__ = attach(
    __name__,
    {
        'architectures': ['wide_widths', 'shrinking_widths'],
        'meanfield': [
            'q_map', 'c_map', 'kernel_map', 'q_trajectory', 'c_trajectory', 'kernel_trajectory',
            'fixed_point_q', 'fixed_point_c', 'chi1', 'chi_c', 'correlation_depth', 'length_depth',
            'critical_line', 'critical_weight_variance', 'phase_summary'
        ],
        'mlp': [
            'GaussianMLP', 'empirical_kernels', 'sample_preactivation_kernels', 'inputs_with_gram'
        ],
        'quadrature': [
            'ACTIVATIONS', 'gauss_hermite', 'trapezoid_rule', 'normal_expectation'
        ],
        'stacked': ['StackedMLP', 'as_gaussian_mlp'],
        'training': ['TrainingResult', 'train_networks', 'epoch_orders', 'paper_settings', 'training_cost'],
    },
)
