"""Coarse-graining: 1D and 2D decimation and their relative entropies, truncated flows, cumulant expansions and
the Niemeijer-van Leeuwen cumulant RG, block-spin RG (exact on small systems and on configuration arrays), the
Gaussian DBM.

Submodules: ``blocking``, ``blockspin``, ``cumulant_rg``, ``cumulants``, ``decimation``, ``decimation_2d``, ``gaussian_dbm``, ``gaussian_dbm_numerics``, ``kl_1d``, ``kl_2d``, ``truncation``.
Their public names are also available here, imported on first use (``from rglib.rg import ...``).
"""
from .._lazy import attach

__getattr__, __dir__, __all__ = attach(
    __name__,
    {
        'blocking': [
            'MAX_BLOCKED_SPINS', 'block_average', 'block_majority', 'block_majority_log_probabilities',
            'visible_coarse_correlators'
        ],
        'blockspin': [
            'MAX_SPINS', 'MAX_BLOCK_SIZE', 'tanh_block_rule', 'decimation_block_rule', 'majority_block_rule',
            'ring_hamiltonian', 'RingBlockSplit', 'ring_block_split', 'renormalized_hamiltonian',
            'CumulantDecomposition', 'cumulant_decomposition', 'ring_subset_ranges', 'coupling_weight_by_range',
            'block_environment_mutual_information'
        ],
        'cumulant_rg': [
            'REDUCTION_FACTOR', 'BlockMoments', 'majority_block_moments', 'BlockCouplings',
            'block_cumulant_couplings', 'TriangularTables', 'triangular_cumulant_tables', 'GeneratedCouplings',
            'triangular_generated_couplings', 'triangular_recursion', 'NvLFixedPoint', 'nvl_fixed_point',
            'nvl_critical_coupling'
        ],
        'cumulants': [
            'MAX_ORDER', 'MAX_LATTICE_DEGREE', 'log_mgf_taylor_coefficients', 'cumulants_from_distribution',
            'log_mgf_convergence_radius'
        ],
        'decimation': [
            'MAX_STEPS', 'MAX_ENUMERATION_N', 'MAX_STORED_VALUES', 'DecimationStep', 'decimate_1d',
            'DecimationFlow', 'decimation_flow', 'FlowCouplings', 'flow_couplings', 'ir_field',
            'ring_log_probabilities', 'marginal_log_probabilities'
        ],
        'decimation_2d': [
            'RESCALING_FACTOR', 'MAX_KEPT_SPINS', 'MAX_UV_SPINS', 'MAX_FLOW_STEPS', 'PlaquetteCouplings',
            'checkerboard_decimation', 'nn_recursion', 'nn_flow', 'maris_kadanoff_recursion',
            'maris_kadanoff_flow', 'FixedPoint', 'nn_fixed_point', 'maris_kadanoff_fixed_point',
            'maris_kadanoff_critical_coupling', 'sublattice_sites', 'sublattice_bonds',
            'removed_site_neighbours', 'torus_log_probabilities', 'subset_state_codes', 'marginal_on_sites',
            'plaquette_log_weights', 'kept_marginal_log_probabilities', 'first_step_walsh_couplings'
        ],
        'gaussian_dbm': [
            'MAX_VISIBLE_UNITS', 'DBMParameters', 'check_dbm_parameters', 'RenormalizedCouplings',
            'renormalized_couplings', 'MarginalizationConstants', 'marginalization_constants',
            'gaussian_log_integral', 'gaussian_log_mgf', 'energy_xyz', 'energy_xy', 'energy_x', 'log_partition',
            'VisibleDistribution', 'visible_log_probabilities', 'VisibleMoments', 'exact_visible_moments'
        ],
        'gaussian_dbm_numerics': [
            'MAX_GRID_POINTS', 'quadrature_energy_xy', 'quadrature_energy_x', 'MAX_GIBBS_UPDATES',
            'DBMGibbsTrace', 'gibbs_sample_dbm'
        ],
        'kl_1d': [
            'kl_same_lattice', 'kl_lifted', 'kl_asymptote', 'enumerated_kl_same_lattice',
            'enumerated_kl_lifted'
        ],
        'kl_2d': [
            'MAX_DISTANCE', 'NEIGHBOUR_SUM_K_MIN', 'square_lattice_correlation', 'NeighbourSum',
            'neighbour_sum_probabilities', 'neighbour_sum_distribution', 'removed_spin_entropy',
            'kl_lifted_first_step', 'local_conditional_entropy', 'short_correlations', 'onsager_entropy',
            'kl_asymptote_2d', 'kl_asymptote_slope', 'kl_same_lattice_2d', 'LiftedBounds', 'kl_lifted_bounds',
            'kl_lifted_truncated', 'TruncationKL', 'truncation_kl_first_step', 'torus_entropy',
            'torus_neighbour_sum', 'torus_kl_lifted', 'torus_truncation_kl', 'torus_kl_lifted_truncated'
        ],
        'truncation': [
            'NNNCouplings', 'nnn_ring_log_probabilities', 'project_nnn_couplings', 'MAX_NEWTON_ITERATIONS',
            'moment_matched_nnn_couplings', 'TruncatedFlow', 'truncated_nnn_flow'
        ],
    },
)
