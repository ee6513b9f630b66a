"""Deep networks: Gaussian quadrature of activations, mean-field signal propagation and criticality, random MLPs
and their batched training, relative entropy across layers and finite-width corrections, the reconstruction
cascade and trainability, RBMs (exact marginals, receptive fields, flows).

Submodules: ``architectures``, ``cascade``, ``criticality``, ``finite_width``, ``layer_kl``, ``meanfield``, ``mlp``, ``quadrature``, ``rbm``, ``rbm_exact``, ``rbm_flow_analysis``, ``rbm_stack``, ``receptive_fields``, ``stacked``, ``trainability``, ``training``.
Their public names are also available here, imported on first use (``from rglib.nets import ...``).
"""
from .._lazy import attach

__getattr__, __dir__, __all__ = attach(
    __name__,
    {
        'architectures': [
            'wide_widths', 'shrinking_widths'
        ],
        'cascade': [
            'Cascade', 'CascadeTraining', 'layer_activations', 'train_cascade', 'reconstruct',
            'reconstruction_kl', 'normalized_kl_curve', 'saturation_cutoff'
        ],
        'criticality': [
            'fixed_point_q', 'fixed_point_c', 'chi1', 'chi_c', 'correlation_depth', 'length_depth',
            'PhaseSummary', 'phase_summary', 'CriticalLine', 'critical_line', 'critical_weight_variance'
        ],
        'finite_width': [
            'VertexEstimate', 'four_point_vertex', 'VertexPrediction', 'vertex_recursion', 'relu_vertex_exact',
            'MetricCovariance', 'metric_covariance', 'sample_preactivations', 'MAX_RANDOM_NUMBERS'
        ],
        'layer_kl': [
            'LayerFits', 'LayerKL', 'isotropic_fits', 'isotropic_entropy', 'first_layer_variance',
            'layer_kl_divergence', 'mean_field_layer_kl', 'mean_field_kl_spread', 'log_det_bias',
            'MAX_KL_MULTIPLY_ADDS'
        ],
        'meanfield': [
            'MAX_VARIANCE', 'MAX_DEPTH', 'MAX_MAP_EVALUATIONS', 'MAX_PAIR_EVALUATIONS', 'q_map', 'c_map',
            'KernelMapResult', 'kernel_map', 'q_trajectory', 'c_trajectory', 'kernel_trajectory'
        ],
        'mlp': [
            'MAX_PARAMETERS', 'MAX_MULTIPLY_ADDS', 'GaussianMLP', 'MLPOutput', 'empirical_kernels',
            'sample_preactivation_kernels', 'inputs_with_gram'
        ],
        'quadrature': [
            'ACTIVATIONS', 'MAX_UNIFORM_VARIANCE', 'QuadratureRule', 'gauss_hermite', 'trapezoid_rule',
            'normal_expectation'
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
        'rbm_flow_analysis': [
            'chain_as_rbm', 'rbm_layer_log_marginal', 'curve_temperature', 'confusion_matrix',
            'axis_correlation', 'ScalingFit', 'fit_scaling_dimension'
        ],
        'rbm_stack': [
            'RBMStack', 'train_rbm_stack', 'block_spin_stack', 'stack_up', 'stack_receptive_fields',
            'receptive_field_side', 'GrowthFit', 'fit_growth_factor', 'LayerLattices', 'stack_lattices'
        ],
        'receptive_fields': [
            'PatchStatistics', 'align_signs', 'patch_statistics', 'periodic_displacement',
            'centre_matching_distance', 'block_coverage', 'select_by_centre', 'block_centres', 'random_centres',
            'radial_profile', 'mosaic'
        ],
        'stacked': [
            'StackedMLP', 'as_gaussian_mlp'
        ],
        'trainability': [
            'CascadeKL', 'cascade_kl', 'cutoff_layer', 'cutoff_by_depth', 'CutoffPeak', 'cutoff_peak',
            'largest_trainable_depth',
            'Agreement', 'agreement'
        ],
        'training': [
            'TrainingResult', 'train_networks', 'epoch_orders', 'paper_settings', 'training_cost'
        ],
    },
)
