"""Deep networks: Gaussian quadrature of activations, mean-field signal propagation, random MLPs, RBMs.

Submodules: ``meanfield``, ``mlp``, ``quadrature``, ``rbm``, ``rbm_exact``, ``receptive_fields``. Their public names are also available
here, imported on first use (``from rglib.nets import ...``).
"""
from .._lazy import attach

__getattr__, __dir__, __all__ = attach(
    __name__,
    {
        'meanfield': [
            'q_map', 'c_map', 'kernel_map', 'q_trajectory', 'c_trajectory', 'kernel_trajectory',
            'fixed_point_q', 'fixed_point_c', 'chi1', 'chi_c', 'correlation_depth', 'length_depth',
            'critical_line', 'critical_weight_variance', 'PhaseSummary', 'phase_summary'
        ],
        'mlp': [
            'GaussianMLP', 'empirical_kernels', 'sample_preactivation_kernels', 'inputs_with_gram'
        ],
        'quadrature': [
            'ACTIVATIONS', 'gauss_hermite', 'trapezoid_rule', 'normal_expectation'
        ],
        'rbm': [
            'MAX_EXACT_UNITS', 'UNITS', 'RBM', 'init_rbm', 'hidden_field', 'visible_field', 'hidden_mean',
            'visible_mean', 'sample_hidden', 'sample_visible', 'free_energy', 'rbm_log_partition',
            'rbm_log_likelihood', 'gibbs_chain', 'rbm_flow', 'RBMTraining', 'train_rbm'
        ],
        'rbm_exact': [
            'MAX_LISTED_UNITS', 'MAX_RELABELED_SPINS', 'rbm_visible_log_probabilities',
            'rbm_hidden_log_probabilities', 'encoded_hidden_log_probabilities', 'RelabeledKL', 'relabeled_kl'
        ],
        'receptive_fields': [
            'PatchStatistics', 'align_signs', 'patch_statistics', 'periodic_displacement',
            'centre_matching_distance', 'block_coverage', 'select_by_centre', 'block_centres', 'random_centres',
            'radial_profile', 'mosaic'
        ],
    },
)
