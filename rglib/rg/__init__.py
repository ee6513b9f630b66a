"""Coarse-graining: 1D decimation and its relative entropies, truncated flows, block-spin RG, the Gaussian DBM,
the Niemeijer-van Leeuwen cumulant RG.

Submodules: ``blockspin``, ``cumulant_rg``, ``decimation``, ``gaussian_dbm``, ``truncation``. Their public names
are also available here, imported on first use (``from rglib.rg import ...``).
"""
from .._lazy import attach

__getattr__, __dir__, __all__ = attach(
    __name__,
    {
        'blockspin': [
            'MAX_SPINS', 'tanh_block_rule', 'decimation_block_rule', 'majority_block_rule', 'ring_hamiltonian',
            'ring_block_split', 'renormalized_hamiltonian', 'CumulantDecomposition', 'cumulant_decomposition',
            'log_mgf_taylor_coefficients', 'cumulants_from_distribution', 'log_mgf_convergence_radius',
            'ring_subset_ranges', 'coupling_weight_by_range', 'block_environment_mutual_information'
        ],
        'cumulant_rg': [
            'REDUCTION_FACTOR', 'BlockMoments', 'majority_block_moments', 'BlockCouplings',
            'block_cumulant_couplings', 'TriangularTables', 'triangular_cumulant_tables', 'GeneratedCouplings',
            'triangular_generated_couplings', 'triangular_recursion', 'NvLFixedPoint', 'nvl_fixed_point',
            'nvl_critical_coupling'
        ],
        'decimation': [
            'MAX_STEPS', 'MAX_ENUMERATION_N', 'DecimationFlow', 'decimate_1d', 'decimation_flow',
            'flow_couplings', 'ir_field', 'kl_same_lattice', 'kl_lifted', 'kl_asymptote',
            'ring_log_probabilities', 'marginal_log_probabilities', 'enumerated_kl_same_lattice',
            'enumerated_kl_lifted'
        ],
        'gaussian_dbm': [
            'MAX_VISIBLE_UNITS', 'check_dbm_parameters', 'renormalized_couplings', 'marginalization_constants',
            'gaussian_log_integral', 'gaussian_log_mgf', 'energy_xyz', 'energy_xy', 'energy_x', 'log_partition',
            'visible_log_probabilities', 'exact_visible_moments', 'quadrature_energy_xy', 'quadrature_energy_x',
            'DBMGibbsTrace', 'gibbs_sample_dbm'
        ],
        'truncation': [
            'nnn_ring_log_probabilities', 'project_nnn_couplings', 'moment_matched_nnn_couplings',
            'TruncatedFlow', 'truncated_nnn_flow'
        ],
    },
)
