"""Coarse-graining: 1D decimation and its relative entropies, truncated flows, block-spin RG, the Gaussian DBM.

Submodules: ``blockspin``, ``cumulants``, ``decimation``, ``gaussian_dbm``, ``gaussian_dbm_numerics``, ``kl_1d``,
``truncation``. Their public names are also available here, imported on first use (``from rglib.rg import ...``).
"""
from .._lazy import attach

__getattr__, __dir__, __all__ = attach(
    __name__,
    {
        'blockspin': [
            'MAX_SPINS', 'MAX_BLOCK_SIZE', 'tanh_block_rule', 'decimation_block_rule', 'majority_block_rule',
            'ring_hamiltonian', 'RingBlockSplit', 'ring_block_split', 'renormalized_hamiltonian',
            'CumulantDecomposition', 'cumulant_decomposition', 'ring_subset_ranges', 'coupling_weight_by_range',
            'block_environment_mutual_information'
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
        'kl_1d': [
            'K0_MIN', 'kl_same_lattice', 'kl_lifted', 'kl_asymptote', 'enumerated_kl_same_lattice',
            'enumerated_kl_lifted'
        ],
        'gaussian_dbm': [
            'MAX_VISIBLE_UNITS', 'DBMParameters', 'check_dbm_parameters', 'RenormalizedCouplings',
            'renormalized_couplings', 'MarginalizationConstants', 'marginalization_constants',
            'gaussian_log_integral', 'gaussian_log_mgf', 'energy_xyz', 'energy_xy', 'energy_x', 'log_partition',
            'VisibleDistribution', 'visible_log_probabilities', 'VisibleMoments', 'exact_visible_moments'
        ],
        'gaussian_dbm_numerics': [
            'MAX_GRID_POINTS', 'quadrature_energy_xy', 'quadrature_energy_x', 'MAX_GIBBS_UPDATES', 'DBMGibbsTrace',
            'gibbs_sample_dbm'
        ],
        'truncation': [
            'NNNCouplings', 'nnn_ring_log_probabilities', 'project_nnn_couplings', 'MAX_NEWTON_ITERATIONS',
            'moment_matched_nnn_couplings', 'TruncatedFlow', 'truncated_nnn_flow'
        ],
    },
)
