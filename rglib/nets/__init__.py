"""Deep networks: Gaussian quadrature of activations, mean-field signal propagation, random MLPs and their
batched training, RBMs.

Submodules: ``architectures``, ``finite_width``, ``layer_kl``, ``meanfield``, ``mlp``, ``quadrature``, ``rbm``,
``stacked``, ``training``.
Their public names are also available here, imported on first use (``from rglib.nets import ...``).
"""
from .._lazy import attach

__getattr__, __dir__, __all__ = attach(
    __name__,
    {
        'architectures': [
            'wide_widths', 'shrinking_widths'
        ],
        'finite_width': [
            'MAX_RANDOM_NUMBERS', 'VertexEstimate', 'four_point_vertex', 'VertexPrediction', 'vertex_recursion',
            'relu_vertex_exact', 'MetricCovariance', 'metric_covariance', 'sample_preactivations'
        ],
        'layer_kl': [
            'MAX_KL_MULTIPLY_ADDS', 'LayerFits', 'LayerKL', 'isotropic_fits', 'isotropic_entropy',
            'first_layer_variance', 'layer_kl_divergence', 'mean_field_layer_kl', 'mean_field_kl_spread',
            'log_det_bias'
        ],
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
        'stacked': [
            'StackedMLP', 'as_gaussian_mlp'
        ],
        'training': [
            'TrainingResult', 'train_networks', 'epoch_orders', 'paper_settings', 'training_cost'
        ],
    },
)
